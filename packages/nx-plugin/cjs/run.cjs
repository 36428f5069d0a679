'use strict';
// Nx loads executors with require(); the implementation is ESM, loaded with import() (see index.cjs).
module.exports = async function dagcacheRun(options, context) {
  const { default: run } = await import('../dist/executors/run/run.impl.js');
  return run(options, context);
};
