// Single-flight when a process stalls: its session slot lapses (5 s) long before its key leases do
// (leaseMs), and a neighbour that saw it must not take the lapse for "alone" and run its keys again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { LeaseClient } from '../../src/cache/lease-client.js';
import { openLeaseLock, type LeaseLock } from '../../src/stores/locks/index.js';

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function lockAt(file: string): Promise<LeaseLock> {
  const lock = await openLeaseLock({ kind: 'sqlite', file });
  closers.push(() => lock.close());
  return lock;
}

it('a peer whose session slot lapsed while it executes keeps its keys: the neighbour waits instead of running them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagcache-lapse-'));
  dirs.push(dir);
  const file = join(dir, 'locks.sqlite');
  const stalled = new LeaseClient(await lockAt(file), 30_000);
  const neighbour = new LeaseClient(await lockAt(file), 30_000);
  closers.push(() => stalled.close(), () => neighbour.close());
  await stalled.start();
  await neighbour.start();
  // Both see each other; the stalled process takes the key and starts executing it.
  await (stalled as unknown as { poll(): Promise<void> }).poll();
  expect(await stalled.claim('key-1')).toBe('leased');
  // Its session slot lapses (as after a 5 s stall): the neighbour's next look finds no other process.
  const slots = await neighbour.lock.holders(Array.from({ length: 128 }, (_, i) => `session:${i}`));
  for (const [slot, owner] of slots) if (owner === stalled.owner) await neighbour.lock.release([slot], owner);
  await (neighbour as unknown as { poll(): Promise<void> }).poll();
  // The key's lease is still the stalled process's: the neighbour must not execute it.
  expect(await neighbour.claim('key-1')).toBe('busy');
  // A key nobody holds is still taken normally.
  expect(await neighbour.claim('key-2')).toBe('leased');
});
