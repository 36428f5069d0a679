// Symbolic links in a target's outputs, with the real `nx`: a link that leaves the workspace is refused
// with one error naming it (its folder is never copied into the cache); a link cycle is stored and
// restored as a link.
import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWorkspace, lastInvocation, type Workspace } from './nx-workspace.js';

let parent: string;
let ws: Workspace;
beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'dagcache-nx-links-'));
  mkdirSync(join(parent, 'outside'));
  writeFileSync(join(parent, 'outside/secret.txt'), 'not for the cache');
  ws = createWorkspace(parent);
});
afterAll(() => rmSync(parent, { recursive: true, force: true }));

const withLink = (target: string) =>
  ws.editJson('nx.json', (nx) => {
    nx['plugins'][0].options.targets.build.command =
      `tsc -p tsconfig.lib.json && node -e "require('fs').symlinkSync('${target}', 'dist/link')"`;
  });

it('a link out of the workspace fails the target with one error naming the link; nothing is stored', async () => {
  withLink(join(parent, 'outside'));
  const r = ws.nx(['run', 'leaf:build', '--skip-nx-cache']);
  expect(r.status, r.output).not.toBe(0);
  expect(r.output).toMatch(/output libs\/leaf\/dist\/link is a symbolic link to .*outside the workspace/);
  expect((await lastInvocation(ws)).statuses['leaf:build']).toBe('failed');
});

it('a link cycle (dist/link -> .) is stored as a link and restored as one on a hit', async () => {
  withLink('.');
  rmSync(join(ws.root, 'libs/leaf/dist'), { recursive: true, force: true });
  const first = ws.nx(['run', 'leaf:build', '--skip-nx-cache']);
  expect(first.status, first.output).toBe(0);
  expect((await lastInvocation(ws)).statuses['leaf:build']).toBe('executed');
  rmSync(join(ws.root, 'libs/leaf/dist'), { recursive: true, force: true });
  const hit = ws.nx(['run', 'leaf:build', '--skip-nx-cache']);
  expect(hit.status, hit.output).toBe(0);
  expect((await lastInvocation(ws)).statuses['leaf:build']).toBe('retrieved');
  const link = join(ws.root, 'libs/leaf/dist/link');
  expect(lstatSync(link).isSymbolicLink()).toBe(true);
  expect(readlinkSync(link)).toBe('.');
  expect(existsSync(join(ws.root, 'libs/leaf/dist/index.js'))).toBe(true);
});
