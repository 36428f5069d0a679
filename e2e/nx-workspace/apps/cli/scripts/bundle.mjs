// A stand-in bundler: copies the built app into bundle/ with a banner.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

mkdirSync('bundle', { recursive: true });
writeFileSync('bundle/main.js', `#!/usr/bin/env node\n${readFileSync('dist/main.js', 'utf8')}`, {
  mode: 0o755,
});
console.log('bundled dist/main.js into bundle/main.js');
