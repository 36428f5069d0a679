// Runs a worker against a Temporal server (default localhost:7233; TEMPORAL_ADDRESS to change it).
import { NativeConnection, Worker } from '@temporalio/worker';
import { sampleWorkerOptions } from './worker-options.js';

const connection = await NativeConnection.connect({
  address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233',
});
try {
  const worker = await Worker.create({ connection, ...sampleWorkerOptions(process.env.DAGCACHE_PATH) });
  console.log('worker polling task queue', worker.options.taskQueue, '(Ctrl-C to stop)');
  // The plugin finishes its open dagcache runs when run() returns.
  await worker.run();
} finally {
  await connection.close();
}
