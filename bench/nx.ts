// Nx: a generated 20-project workspace (layers of TypeScript libraries built with tsc, all depending on one
// deepest library). Measures, in the same run: the wall time of a fully cached `nx run-many -t build` with
// dagcache vs with Nx's native cache, and how many targets re-execute after a comment-only change in the
// deepest library (Nx native vs dagcache's early cutoff).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildPackages,
  lastInvocation,
  linkWorkspace,
  runCount,
  type Workspace,
} from '../packages/nx-plugin/test/e2e/nx-workspace.js';
import { medianMs, report } from './lib.js';

/** Projects per layer, deepest first: 20 in all. Each project depends on one or two of the layer below. */
const LAYERS = [1, 3, 4, 4, 4, 3, 1];
const CACHED_REPEATS = 3;

interface Lib {
  name: string;
  deps: string[];
}

function plan(): Lib[] {
  const libs: Lib[] = [];
  let below: string[] = [];
  LAYERS.forEach((count, layer) => {
    const here: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `l${layer}${String.fromCharCode(97 + i)}`;
      const deps =
        below.length === 0 ? [] : [...new Set([below[i % below.length]!, below[(i + 1) % below.length]!])];
      libs.push({ name, deps });
      here.push(name);
    }
    below = here;
  });
  return libs;
}

/** Writes the workspace; `native` makes Nx's cache decide (dagcache passes through with `disable`). */
function generate(native: boolean): Workspace {
  const root = mkdtempSync(join(tmpdir(), `dagcache-bench-nx-${native ? 'native' : 'dagcache'}-`));
  const libs = plan();
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('package.json', JSON.stringify({ name: 'bench-nx', private: true, workspaces: ['libs/*'] }));
  write('.gitignore', 'node_modules\ndist\n.nx\n.dagcache\n');
  write(
    'nx.json',
    JSON.stringify({
      namedInputs: { default: ['{projectRoot}/**/*'], production: ['default'] },
      plugins: [
        {
          plugin: '@dagcache/nx',
          include: ['libs/**'],
          options: {
            ...(native ? { defaultBehavior: 'disable' } : {}),
            targets: {
              build: {
                command: 'tsc -p tsconfig.lib.json',
                cwd: '{projectRoot}',
                inputs: ['production', '^production'],
                outputs: ['{projectRoot}/dist'],
                dependsOn: ['^build'],
                cache: native,
              },
            },
          },
        },
      ],
      neverConnectToCloud: true,
    }),
  );
  const paths = Object.fromEntries(libs.map((l) => [l.name, [`./libs/${l.name}/dist/index.d.ts`]]));
  write(
    'tsconfig.base.json',
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        declaration: true,
        removeComments: true,
        skipLibCheck: true,
        types: [],
        paths,
      },
    }),
  );
  for (const lib of libs) {
    const dir = `libs/${lib.name}`;
    write(
      `${dir}/package.json`,
      JSON.stringify({
        name: lib.name,
        private: true,
        type: 'module',
        nx: { implicitDependencies: lib.deps },
      }),
    );
    write(
      `${dir}/tsconfig.lib.json`,
      JSON.stringify({
        extends: '../../tsconfig.base.json',
        compilerOptions: { rootDir: 'src', outDir: 'dist' },
        include: ['src'],
      }),
    );
    const imports = lib.deps.map((d) => `import { value as ${d} } from '${d}';`).join('\n');
    const sum = lib.deps.length ? lib.deps.join(' + ') : '1';
    write(
      `${dir}/src/index.ts`,
      `${imports}\n\nexport function value(): number {\n  return ${sum.replace(/(\w+)/g, (m) => (m === '1' ? m : `${m}()`))} + 1;\n}\n`,
    );
  }
  return linkWorkspace(
    root,
    libs.map((l) => `libs/${l.name}`),
  );
}

function buildAll(ws: Workspace, ...flags: string[]): void {
  const r = ws.nx(['run-many', '-t', 'build', ...flags]);
  if (r.status !== 0) throw new Error(`nx run-many failed in ${ws.root}:\n${r.output}`);
}

const deepest = 'libs/l0a/src/index.ts';
const commentOnlyChange = (ws: Workspace) =>
  ws.write(deepest, `// a comment that changes no output\n${ws.read(deepest)}`);

export async function run(): Promise<void> {
  buildPackages();
  const dagcache = generate(false);
  const native = generate(true);
  try {
    buildAll(dagcache);
    buildAll(native);
    // Fully cached runs, alternating so machine load affects both alike.
    const cachedDagcache = await medianMs(CACHED_REPEATS, () => buildAll(dagcache));
    const cachedNative = await medianMs(CACHED_REPEATS, () => buildAll(native));
    // One process per task, as without batch mode (the executor prefers batches).
    const cachedUnbatched = await medianMs(CACHED_REPEATS, () => buildAll(dagcache, '--batch=false'));
    const lastCached = await lastInvocation(dagcache);
    const allHit = Object.values(lastCached.statuses).every((s) => s === 'retrieved');

    commentOnlyChange(dagcache);
    const changedDagcache = await medianMs(1, () => buildAll(dagcache));
    const afterChange = Object.values((await lastInvocation(dagcache)).statuses);
    const dagcacheReran = afterChange.filter((s) => s === 'executed' || s === 'recomputed').length;

    const before = await runCount(native);
    commentOnlyChange(native);
    const changedNative = await medianMs(1, () => buildAll(native));
    // With `disable`, every task that Nx did not take from its own cache reaches dagcache: one run each.
    const nativeReran = (await runCount(native)) - before;

    const projects = LAYERS.reduce((a, b) => a + b, 0);
    report(
      'nx',
      `Nx: ${projects}-project workspace (tsc builds, ${LAYERS.length} layers), fully cached run-many and a comment-only change in the deepest library`,
      [
        {
          measure: 'fully cached `nx run-many -t build` (ms, median of 3)',
          'nx native cache': Math.round(cachedNative),
          dagcache: Math.round(cachedDagcache),
          'dagcache / native': Number((cachedDagcache / cachedNative).toFixed(2)),
        },
        {
          measure: 'fully cached, `--batch=false` (one process per task) (ms, median of 3)',
          'nx native cache': Math.round(cachedNative),
          dagcache: Math.round(cachedUnbatched),
          'dagcache / native': Number((cachedUnbatched / cachedNative).toFixed(2)),
        },
        {
          measure: 'run-many after a comment-only change in the deepest library (ms)',
          'nx native cache': Math.round(changedNative),
          dagcache: Math.round(changedDagcache),
          'dagcache / native': Number((changedDagcache / changedNative).toFixed(2)),
        },
        {
          measure: 'targets re-executed after a comment-only change in the deepest library',
          'nx native cache': nativeReran,
          dagcache: dagcacheReran,
          'dagcache / native': Number((dagcacheReran / nativeReran).toFixed(2)),
        },
      ],
      { projects, layers: LAYERS, dagcacheAllHitWhenCached: allHit },
    );
  } finally {
    dagcache.dispose();
    native.dispose();
  }
}
