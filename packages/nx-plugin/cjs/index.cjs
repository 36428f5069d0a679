'use strict';
// Nx loads plugins with require(). The implementation is ESM (dist/index.js); Node 20 before 20.19
// cannot require() ESM, so this CommonJS entry exposes the plugin's shape synchronously and loads the
// ESM code with import() when Nx first calls a hook.
let loaded;
const load = () => (loaded ??= import('../dist/plugins/plugin.js'));

module.exports = {
  name: '@dagcache/nx',
  createNodesV2: [
    '**/{project.json,package.json}',
    async (files, options, context) => (await load()).createNodesV2[1](files, options, context),
  ],
  preTasksExecution: async (options, context) => (await load()).preTasksExecution(options, context),
};
