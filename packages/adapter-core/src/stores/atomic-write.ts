import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a file so that readers see either the old content or the whole new content, never a part,
 * even after a machine crash: write a uniquely named temp file in the same folder, fsync it, rename it
 * over the target, then fsync the folder so the rename itself is on disk before the caller commits the
 * SQLite row that says the file exists.
 *
 * @example
 * await writeFileAtomic('/cache/results/ab12.bin', bytes);
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncFolder(dir);
}

/** Folder fsync makes a rename durable; Windows cannot open a folder for it, so it is skipped there. */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
