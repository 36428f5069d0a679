import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Says why a server test cannot run here, or undefined when it can. In CI a missing server is a
 * failure (the test throws); locally the test may skip with this printed reason.
 */
export function missing(binary: 'postgres' | 'redis'): string | undefined {
  const ok = binary === 'postgres' ? existsSync(join(PG_BIN, 'initdb')) : existsSync('/usr/bin/redis-server');
  if (ok) return undefined;
  const reason = `${binary} server binaries are not installed (run .ci/run or apt-get install ${binary === 'postgres' ? 'postgresql' : 'redis-server'})`;
  if (process.env.CI) throw new Error(`CI: ${reason}`);
  console.warn(`skipping ${binary} tests: ${reason}`);
  return reason;
}

/** A server a test can SIGKILL and start again on the same port (a store dying mid-run and coming back). */
export interface KillableServer {
  url: string;
  stop: () => Promise<void>;
  /** SIGKILLs the server (no shutdown, no goodbye to clients) and resolves once its port is closed. */
  kill: () => Promise<void>;
  /** Starts the server again on the same port (Postgres keeps its data; Redis starts empty). */
  restart: () => Promise<void>;
  /** SIGSTOPs (true) or SIGCONTs (false) the server: it keeps its connections open but stops answering. */
  freeze: (frozen: boolean) => void;
  /** The server's process id (the postmaster for Postgres), for a test process that kills it itself. */
  pid: () => number | undefined;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
}

async function portClosed(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (!open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still open after the server was killed`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A throwaway PostgreSQL cluster on 127.0.0.1, run as the `postgres` user (it refuses root). */
export async function startPostgres(): Promise<KillableServer> {
  const dir = mkdtempSync(join(tmpdir(), 'dagcache-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const asPg = (cmd: string, args: string[]) =>
    process.getuid?.() === 0 ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' });
  asPg(join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres']);
  const port = await freePort();
  const start = () =>
    asPg(join(PG_BIN, 'pg_ctl'), [
      '-D', data, '-w', '-l', join(dir, 'log'),
      '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`,
      'start',
    ]);
  start();
  let running = true;
  const serverPids = (): number[] => {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let children: number[] = [];
    try {
      children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number);
    } catch {
      // no children
    }
    return [pid, ...children];
  };
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    kill: async () => {
      // The whole server, as an OOM kill or a lost machine would: the postmaster and its backends
      // (listed first: once the postmaster is gone they are no longer its children).
      const all = serverPids();
      signalAll(all, 'SIGKILL');
      running = false;
      await portClosed(port);
      // Wait for every process to be gone, or the restart finds the old shared memory still attached.
      const deadline = Date.now() + 10_000;
      const alive = (p: number) => {
        try {
          process.kill(p, 0);
          return true;
        } catch {
          return false;
        }
      };
      while (all.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    },
    restart: async () => {
      start();
      running = true;
    },
    freeze: (frozen) => signalAll(serverPids(), frozen ? 'SIGSTOP' : 'SIGCONT'),
    pid: () => (running ? serverPids()[0] : undefined),
    stop: async () => {
      try {
        if (running) asPg(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A throwaway Redis server on 127.0.0.1 with persistence off. */
export async function startRedis(): Promise<KillableServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' });
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('redis-server did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const end = async (signal: NodeJS.Signals) => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      await end('SIGKILL');
      await portClosed(port);
    },
    restart: start,
    freeze: (frozen) => child?.pid !== undefined && signalAll([child.pid], frozen ? 'SIGSTOP' : 'SIGCONT'),
    pid: () => child?.pid,
    stop: () => end('SIGTERM'),
  };
}
