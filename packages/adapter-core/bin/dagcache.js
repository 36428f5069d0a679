#!/usr/bin/env node
// Launcher for the `dagcache` CLI: the built CLI when there is one, else (a source checkout that was
// never built) the TypeScript source through tsx, so `npx dagcache` works right after `npm install`.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
