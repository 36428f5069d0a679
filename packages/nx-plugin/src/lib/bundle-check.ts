import { insideOutputs, linkDestination, unsafePath } from './output-paths.js';
import type { OutputBundle } from './output-bundle.js';

/**
 * Why a value read back from the store may not be restored for a target whose configured outputs are
 * `outputs`, or undefined when it may. Anyone who can write to a shared store can write a bundle under a
 * target's key, so the bundle is checked as hostile input: its shape, its `outputs` (must equal the
 * target's configured outputs exactly), and every file path (relative, no empty/`.`/`..` segment, no
 * backslash, inside a configured output, not below a stored link) and link target (inside the
 * workspace). A restore then writes only what passed.
 *
 * @example
 * ```ts
 * bundleProblem(bundle, ['libs/a/dist']); // undefined, or e.g. 'file "../../x" has a ".." segment'
 * ```
 */
export function bundleProblem(value: unknown, outputs: readonly string[]): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an Nx output bundle';
  const b = value as Partial<Record<keyof OutputBundle, unknown>>;
  if (b.kind !== 'dagcache-nx-outputs' || b.version !== 1 || b.exitCode !== 0)
    return 'not an Nx output bundle (kind, version or exit code)';
  if (
    !Array.isArray(b.outputs) ||
    b.outputs.length !== outputs.length ||
    b.outputs.some((o, i) => o !== outputs[i])
  ) {
    return `its outputs ${JSON.stringify(b.outputs)} are not the target's configured outputs ${JSON.stringify(outputs)}`;
  }
  if (!Array.isArray(b.terminal) || !b.terminal.every(isChunk)) return 'its terminal output is malformed';
  if (!Array.isArray(b.files)) return 'its file list is malformed';
  const inside = insideOutputs(outputs);
  const seen = new Set<string>();
  const links: string[] = [];
  for (const f of b.files as unknown[]) {
    if (typeof f !== 'object' || f === null) return 'a file entry is malformed';
    const { path, executable, data, link } = f as Record<string, unknown>;
    if (typeof path !== 'string') return 'a file entry has no path';
    const shown = JSON.stringify(path);
    if (typeof executable !== 'boolean' || !(typeof data === 'string' || data instanceof Uint8Array))
      return `file ${shown} is malformed`;
    const unsafe = unsafePath(path);
    if (unsafe) return `file ${shown} ${unsafe}`;
    if (!inside(path)) return `file ${shown} lies outside the configured outputs`;
    if (seen.has(path)) return `file ${shown} is listed twice`;
    seen.add(path);
    if (link !== undefined) {
      if (typeof link !== 'string' || linkDestination(path, link) === undefined)
        return `link ${shown} points outside the workspace (${JSON.stringify(link)})`;
      links.push(path);
    }
  }
  // A file below a stored link would be written through the link, wherever it points.
  for (const l of links) {
    for (const p of seen) if (p.startsWith(l + '/')) return `file ${JSON.stringify(p)} lies below the link ${JSON.stringify(l)}`;
  }
  return undefined;
}

function isChunk(c: unknown): boolean {
  if (typeof c !== 'object' || c === null) return false;
  const { stream, text } = c as Record<string, unknown>;
  return (stream === 'stdout' || stream === 'stderr') && typeof text === 'string';
}
