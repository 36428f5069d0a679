'use strict';
// Nx loads generators with require(); the implementation is ESM, loaded with import() (see index.cjs).
module.exports = async function dagcacheInit(tree, schema) {
  const { default: init } = await import('../dist/generators/init/init.js');
  return init(tree, schema);
};
