import { describe, expect, it } from 'vitest';
import { listsForNode } from './behavior-lists.js';
import { nodeName } from './node-name.js';

describe('behavior lists from nx.json', () => {
  it('turns globs that match the node into its name and drops the others', () => {
    expect(
      listsForNode({ recompute: ['*:e2e', 'lib-*:build'], ignore: ['docs:build'], disable: true }, 'app:e2e'),
    ).toEqual({
      recompute: ['app:e2e'],
      ignore: ['docs:build'],
      disable: true,
    });
  });
});

describe('node names', () => {
  it('are Nx task ids', () => {
    expect(nodeName('a', 'build')).toBe('a:build');
    expect(nodeName('a', 'build', 'production')).toBe('a:build:production');
  });
});
