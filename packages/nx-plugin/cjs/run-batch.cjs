'use strict';
// Nx loads executors with require(); the implementation is ESM, loaded with import() (see index.cjs).
// Nx wants an async iterator back synchronously-or-as-a-promise; an async generator delegating works.
module.exports = async function* dagcacheRunBatch(taskGraph, inputs, overrides, context) {
  const { default: runBatch } = await import('../dist/executors/run/run.batch.js');
  yield* runBatch(taskGraph, inputs, overrides, context);
};
