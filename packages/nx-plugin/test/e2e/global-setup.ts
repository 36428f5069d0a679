import { buildPackages } from './nx-workspace.js';

/** Builds the packages the e2e workspaces load, once for the whole test run (not once per test file). */
export function setup(): void {
  buildPackages();
}
