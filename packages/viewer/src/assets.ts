import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder. `src/` and `dist/` are siblings, so this is right from source and from the build. */
const packageDir = fileURLToPath(new URL('..', import.meta.url));

export interface AppAssets {
  js: string;
  css: string;
}

let cached: AppAssets | undefined;

/**
 * The browser app, built by `npm run build` (esbuild) into `dist/app.js` and `dist/app.css`, which the
 * published package ships. When running from a source checkout that was never built, the app is bundled
 * in memory with esbuild (a dev dependency of the monorepo) so `cache.viewRun` works in any test.
 */
export function loadAppAssets(): AppAssets {
  if (cached) return cached;
  const js = join(packageDir, 'dist', 'app.js');
  const css = join(packageDir, 'dist', 'app.css');
  if (existsSync(js) && existsSync(css)) {
    cached = { js: readFileSync(js, 'utf8'), css: readFileSync(css, 'utf8') };
    return cached;
  }
  if (existsSync(join(packageDir, 'src', 'app', 'main.tsx'))) {
    cached = buildAppAssetsSync();
    return cached;
  }
  throw new Error(
    `@dagcache/viewer: ${js} is missing; build the viewer first (npm run build -w @dagcache/viewer)`,
  );
}

/** Minimal view of the esbuild API we call, so the built package does not need esbuild's types. */
interface EsbuildLike {
  buildSync(options: Record<string, unknown>): { outputFiles?: { path: string; text: string }[] };
  build(options: Record<string, unknown>): Promise<{ outputFiles?: { path: string; text: string }[] }>;
}

function esbuildOptions(write: boolean): { esbuild: EsbuildLike; options: Record<string, unknown> } {
  const require = createRequire(join(packageDir, 'package.json'));
  const esbuild = require('esbuild') as EsbuildLike;
  // Blueprint lives in the root node_modules, where an older React is hoisted; pin every import of React to
  // the viewer's own copy so the bundle holds exactly one React.
  const dirOf = (pkg: string) => join(require.resolve(`${pkg}/package.json`), '..');
  const options = {
    entryPoints: [join(packageDir, 'src', 'app', 'main.tsx')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'none',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    alias: { react: dirOf('react'), 'react-dom': dirOf('react-dom') },
    loader: {
      '.woff': 'dataurl',
      '.woff2': 'dataurl',
      '.ttf': 'dataurl',
      '.eot': 'dataurl',
      '.svg': 'dataurl',
    },
    outdir: join(packageDir, 'dist'),
    entryNames: 'app',
    write,
    logLevel: 'warning',
  };
  return { esbuild, options };
}

/**
 * Blueprint's by-name icon loaders dynamically import every icon's paths (~650 KiB). The viewer only uses
 * Blueprint components, which import their few icons statically, so those loaders are replaced by stubs
 * (an icon named by string would render empty, which is the documented fallback).
 */
const stubIconLoaders = {
  name: 'stub-blueprint-icon-loaders',
  setup(build: {
    onResolve(o: { filter: RegExp }, cb: (a: { path: string }) => { path: string; namespace: string }): void;
    onLoad(o: { filter: RegExp; namespace: string }, cb: () => { contents: string; loader: string }): void;
  }) {
    build.onResolve({ filter: /paths-loaders\/(allPathsLoader|splitPathsBySizeLoader)(\.js)?$/ }, (a) => ({
      path: a.path,
      namespace: 'dagcache-icon-stub',
    }));
    build.onLoad({ filter: /.*/, namespace: 'dagcache-icon-stub' }, () => ({
      contents:
        'export const allPathsLoader = async () => undefined;\nexport const splitPathsBySizeLoader = async () => undefined;',
      loader: 'js',
    }));
  },
};

/**
 * Bundles `src/app/main.tsx` (React, Blueprint, dagre and Blueprint's CSS) into one IIFE script and one
 * stylesheet. With `write`, writes `dist/app.js` and `dist/app.css`; always returns their text.
 */
export async function buildAppAssets(write: boolean): Promise<AppAssets> {
  const { esbuild, options } = esbuildOptions(write);
  const result = await esbuild.build({ ...options, plugins: [stubIconLoaders] });
  cached = undefined;
  return write ? readDist() : fromOutput(result.outputFiles);
}

/** Synchronous fallback for an unbuilt checkout (esbuild plugins need the async API, so no icon stubs). */
function buildAppAssetsSync(): AppAssets {
  const { esbuild, options } = esbuildOptions(false);
  return fromOutput(esbuild.buildSync(options).outputFiles);
}

function readDist(): AppAssets {
  return {
    js: readFileSync(join(packageDir, 'dist', 'app.js'), 'utf8'),
    css: readFileSync(join(packageDir, 'dist', 'app.css'), 'utf8'),
  };
}

function fromOutput(files: { path: string; text: string }[] = []): AppAssets {
  const text = (ext: string) => files.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: text('.js'), css: text('.css') };
}
