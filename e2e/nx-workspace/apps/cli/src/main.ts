import { report } from 'report';

console.log(report([{ name: 'dagcache', done: 3, total: 4 }]));
