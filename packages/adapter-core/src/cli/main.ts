#!/usr/bin/env node
// The `dagcache` binary (package.json "bin": { "dagcache": "./dist/cli/main.js" }).
import { runCli } from './program.js';

// `dagcache runs | head`: a closed pipe ends the command quietly, as with other Unix tools.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await runCli(process.argv.slice(2));
// Let pending writes (stdout pipes) drain, then exit: store clients can keep the event loop alive.
process.exitCode = code;
setImmediate(() => process.exit(code));
