import type { Tree } from '@nx/devkit';
import { PLUGIN_NAME } from '../../lib/workspace-defaults.js';
import type { InitGeneratorSchema } from './options.js';

/**
 * `nx g @dagcache/nx:init` (also run by `nx add @dagcache/nx`): registers the plugin in nx.json and
 * keeps the cache folder out of git. Running it twice changes nothing.
 *
 * @example
 * ```sh
 * nx add @dagcache/nx
 * nx g @dagcache/nx:init --path=.cache/dagcache
 * ```
 */
export async function initGenerator(tree: Tree, schema: InitGeneratorSchema = {}): Promise<void> {
  const path = schema.path ?? '.dagcache';
  registerPlugin(tree, path);
  ignoreCacheFolder(tree, path);
}

export default initGenerator;

function registerPlugin(tree: Tree, path: string): void {
  const nxJson = tree.exists('nx.json')
    ? (JSON.parse(tree.read('nx.json', 'utf-8')!) as { plugins?: unknown[] })
    : {};
  const plugins = nxJson.plugins ?? [];
  const already = plugins.some(
    (p) => p === PLUGIN_NAME || (typeof p === 'object' && (p as { plugin?: string })?.plugin === PLUGIN_NAME),
  );
  if (already) return;
  plugins.push({ plugin: PLUGIN_NAME, options: path === '.dagcache' ? {} : { path } });
  nxJson.plugins = plugins;
  tree.write('nx.json', JSON.stringify(nxJson, null, 2) + '\n');
}

function ignoreCacheFolder(tree: Tree, path: string): void {
  const entry = path.replace(/^\.\//, '').replace(/\/$/, '');
  const current = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf-8')! : '';
  const lines = current.split(/\r?\n/).map((l) => l.trim().replace(/^\//, '').replace(/\/$/, ''));
  if (lines.includes(entry)) return;
  const sep = current === '' || current.endsWith('\n') ? '' : '\n';
  tree.write('.gitignore', `${current}${sep}\n# dagcache (node-level cache for Nx targets)\n${entry}\n`);
}
