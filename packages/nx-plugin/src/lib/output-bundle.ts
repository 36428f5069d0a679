import { createHash } from 'node:crypto';
import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { linkDestination } from './output-paths.js';
import { listFiles } from './workspace-files.js';

/** One output file as stored: workspace-relative path, executable bit and bytes (base64 for the `json` format). */
export interface StoredFile {
  path: string;
  executable: boolean;
  data: Uint8Array | string;
  /**
   * Set for a symbolic link: its target text, kept as a link (never followed, so nothing outside the
   * outputs is read; restored as a link). Only links that stay inside the workspace are stored.
   */
  link?: string;
}

/** A piece of terminal output captured while the target ran, replayed on a hit. */
export interface TerminalChunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * What dagcache stores for one Nx task: its output files (and only those) plus the terminal output.
 * Its data version is {@link fingerprintFiles} of the files, so a rebuild that writes the same bytes
 * gives the same data version and dependents hit (early cutoff), whatever the log said.
 */
export interface OutputBundle {
  kind: 'dagcache-nx-outputs';
  version: 1;
  /** Workspace-relative output paths/globs the files were collected from (what a restore replaces). */
  outputs: string[];
  files: StoredFile[];
  terminal: TerminalChunk[];
  exitCode: 0;
}

/** Path, executable bit and content hash of a file: all a data version needs. */
export interface FileDigest {
  path: string;
  executable: boolean;
  sha256: string;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
/** A link's digest: its target text, marked so it never equals a file holding the same text. */
const linkDigest = (target: string) => sha256(`dagcache-link\0${target}`);

/** The bytes of a stored file, whichever format stored it. */
export function fileBytes(f: StoredFile): Uint8Array {
  return typeof f.data === 'string' ? Buffer.from(f.data, 'base64') : f.data;
}

/**
 * The data version of a task's outputs: SHA-256 over the sorted (path, executable, content hash) list
 * and the exit status (hex with a prefix: a name core's result store accepts). Paths are workspace-relative, so two checkouts in different folders agree.
 *
 * @example
 * ```ts
 * fingerprintFiles([{ path: 'libs/a/dist/index.js', executable: false, sha256: '…' }]); // 'nxout_3f…'
 * ```
 */
export function fingerprintFiles(files: readonly FileDigest[]): string {
  const h = createHash('sha256').update('dagcache-nx-outputs/v1\0exit=0\n');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\0${f.executable ? 1 : 0}\0${f.sha256}\n`);
  }
  return `nxout_${h.digest('hex')}`;
}

/**
 * The address of a stored bundle: its files' fingerprint, its outputs and its terminal output, so two executions
 * that wrote the same bytes but printed different text are two entries, each replayed for its own key.
 *
 * @example
 * ```ts
 * entryVersion(bundle); // 'nxrun_9a…'
 * ```
 */
export function entryVersion(bundle: OutputBundle): string {
  // The configured outputs too: two targets whose (maybe empty) files and logs agree but whose outputs
  // differ must not share an entry, since each accepts only a bundle naming its own outputs.
  const h = createHash('sha256').update(`${fingerprintFiles(digestsOfBundle(bundle))}\n${JSON.stringify(bundle.outputs)}\n`);
  for (const c of bundle.terminal) h.update(`${c.stream}\0${c.text.length}\0${c.text}`);
  return `nxrun_${h.digest('hex')}`;
}

/** Digests of the files in a bundle. */
export function digestsOfBundle(bundle: OutputBundle): FileDigest[] {
  return bundle.files.map((f) => ({
    path: f.path,
    executable: f.executable,
    sha256: f.link !== undefined ? linkDigest(f.link) : sha256(fileBytes(f)),
  }));
}

/**
 * Reads the files that match the outputs now (after a run) into bundle entries. Links are read as links;
 * one pointing outside the workspace is refused (storing it would hand a shared store a way out).
 */
export async function readOutputFiles(
  root: string,
  outputs: readonly string[],
  encoding: 'binary' | 'base64',
): Promise<StoredFile[]> {
  const paths = await listFiles(root, outputs, { links: 'keep' });
  return Promise.all(
    paths.map(async (path): Promise<StoredFile> => {
      const abs = join(root, path);
      const info = await lstat(abs);
      if (info.isSymbolicLink()) {
        const link = await outputLink(root, path);
        return { path, executable: false, data: encoding === 'base64' ? '' : new Uint8Array(), link };
      }
      const bytes = await readFile(abs);
      return {
        path,
        executable: (info.mode & 0o111) !== 0,
        data: encoding === 'base64' ? bytes.toString('base64') : new Uint8Array(bytes),
      };
    }),
  );
}

/** Digests of the files that match the outputs on disk now (for dependency data versions and restore checks). */
export async function digestOutputsOnDisk(root: string, outputs: readonly string[]): Promise<FileDigest[]> {
  const paths = await listFiles(root, outputs, { links: 'keep' });
  return Promise.all(
    paths.map(async (path) => {
      const abs = join(root, path);
      const info = await lstat(abs);
      if (info.isSymbolicLink()) return { path, executable: false, sha256: linkDigest(await readlink(abs)) };
      return { path, executable: (info.mode & 0o111) !== 0, sha256: sha256(await readFile(abs)) };
    }),
  );
}

/** The target text of an output link, refused with an error naming it when it leaves the workspace. */
async function outputLink(root: string, path: string): Promise<string> {
  const target = await readlink(join(root, path));
  if (linkDestination(path, target) === undefined) {
    throw new Error(
      `dagcache: output ${path} is a symbolic link to ${target}, outside the workspace; ` +
        'dagcache stores links only when they point inside the workspace (make it a copy, or leave it out of outputs)',
    );
  }
  return target;
}

/** Type guard for a value read back from the result store. */
export function isOutputBundle(value: unknown): value is OutputBundle {
  return (
    typeof value === 'object' && value !== null && (value as OutputBundle).kind === 'dagcache-nx-outputs'
  );
}
