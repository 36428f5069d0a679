import { createTree } from '@nx/devkit/testing.js';
import { describe, expect, it } from 'vitest';
import { initGenerator } from './init.js';

describe('init generator (nx add @dagcache/nx)', () => {
  it('registers the plugin in nx.json and ignores .dagcache, once', async () => {
    const tree = createTree();
    tree.write('nx.json', JSON.stringify({ plugins: ['@nx/js'] }));
    tree.write('.gitignore', 'node_modules');
    await initGenerator(tree, {});
    await initGenerator(tree, {});
    expect(JSON.parse(tree.read('nx.json', 'utf-8')!).plugins).toEqual([
      '@nx/js',
      { plugin: '@dagcache/nx', options: {} },
    ]);
    const ignored = tree.read('.gitignore', 'utf-8')!.split('\n');
    expect(ignored.filter((l) => l === '.dagcache')).toHaveLength(1);
    expect(ignored[0]).toBe('node_modules');
  });

  it('takes a custom cache folder and creates .gitignore when missing', async () => {
    const tree = createTree();
    tree.write('nx.json', '{}');
    await initGenerator(tree, { path: '.cache/dagcache' });
    expect(JSON.parse(tree.read('nx.json', 'utf-8')!).plugins).toEqual([
      { plugin: '@dagcache/nx', options: { path: '.cache/dagcache' } },
    ]);
    expect(tree.read('.gitignore', 'utf-8')).toContain('.cache/dagcache\n');
  });

  it('leaves an existing registration alone', async () => {
    const tree = createTree();
    const nxJson = { plugins: [{ plugin: '@dagcache/nx', options: { recompute: ['app:build'] } }] };
    tree.write('nx.json', JSON.stringify(nxJson));
    await initGenerator(tree, {});
    expect(JSON.parse(tree.read('nx.json', 'utf-8')!)).toEqual(nxJson);
  });
});
