// Realistic run records, shaped like what core writes: key parts, SHA-256 keys and versions, events.
import { createHash } from 'node:crypto';
import type { CachingEvent, NodeRecord, NodeStatus, RunRecord } from '../src/types.js';

export const fp = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('base64url');

interface Spec {
  name: string;
  status: NodeStatus;
  upstream?: string[];
  code?: string;
  durationMs?: number;
  behavior?: NodeRecord['behavior'];
  behaviorSource?: string;
  format?: string;
  byteSize?: number;
  /** What the value is, so the data version follows it. */
  value?: unknown;
  error?: string;
  taskId?: string;
}

/**
 * Builds one run from node specs in dependency order. Cache keys and data versions are derived like core
 * derives them (fingerprints of key parts and of values), so equal inputs give equal keys across runs.
 */
export function makeRun(
  runId: string,
  startedAt: number,
  specs: Spec[],
  extra: Partial<RunRecord> = {},
): RunRecord {
  const nodes: Record<string, NodeRecord> = {};
  const events: CachingEvent[] = [];
  let t = startedAt;
  const ev = (e: Omit<CachingEvent, 'runId' | 'timestamp'>) => events.push({ runId, timestamp: t, ...e });
  for (const s of specs) {
    const id = s.taskId !== undefined ? `${s.name}::${s.taskId}` : s.name;
    const given = s.status === 'input' || s.status === 'override';
    const off =
      s.status === 'disabled' || s.status === 'ignored' || s.status === 'skipped' || s.status === 'failed';
    const deps: Record<string, string> = {};
    for (const u of [...(s.upstream ?? [])].sort()) {
      const up = nodes[u];
      if (up && up.dataVersion !== null && up.status !== 'ignored') deps[u] = up.dataVersion;
    }
    const keyParts = {
      nodeName: s.name,
      taskId: s.taskId,
      codeVersion: fp(s.code ?? `code:${s.name}`),
      dependencies: deps,
    };
    const cacheKey = given || off ? null : fp(keyParts);
    const dataVersion =
      s.status === 'skipped' || s.status === 'failed' ? null : fp(s.value ?? { of: s.name, deps });
    const durationMs = given ? 0 : (s.durationMs ?? 10);
    const behavior =
      s.behavior ??
      (s.status === 'recomputed'
        ? 'recompute'
        : s.status === 'disabled'
          ? 'disable'
          : s.status === 'ignored'
            ? 'ignore'
            : 'default');
    nodes[id] = {
      nodeName: s.name,
      ...(s.taskId !== undefined ? { taskId: s.taskId } : {}),
      status: s.status,
      behavior,
      behaviorSource:
        s.behaviorSource ??
        (given ? 'input' : behavior === 'default' ? 'defaultBehavior' : `config.${behavior}`),
      cacheKey,
      ...(given || off ? {} : { keyParts }),
      dataVersion: s.status === 'disabled' ? '<disabled>' : s.status === 'ignored' ? null : dataVersion,
      ...(s.format ? { format: s.format, byteSize: s.byteSize ?? 1234 } : {}),
      durationMs,
      startedAt: t,
      ...(s.error ? { error: s.error } : {}),
      upstream: s.upstream ?? [],
    };
    ev({
      actor: 'adapter',
      eventType: 'RESOLVED_BEHAVIOR',
      nodeName: s.name,
      taskId: s.taskId,
      value: behavior,
    });
    if (s.status === 'input')
      ev({ actor: 'adapter', eventType: 'IS_INPUT', nodeName: s.name, value: dataVersion });
    if (s.status === 'override')
      ev({ actor: 'adapter', eventType: 'IS_OVERRIDE', nodeName: s.name, value: dataVersion });
    if (cacheKey)
      ev({
        actor: 'adapter',
        eventType: 'GET_CACHE_KEY',
        nodeName: s.name,
        taskId: s.taskId,
        value: cacheKey,
      });
    if (s.status === 'retrieved') {
      ev({
        actor: 'metadata_store',
        eventType: 'GET_DATA_VERSION',
        nodeName: s.name,
        taskId: s.taskId,
        msg: 'hit',
        value: dataVersion,
      });
      ev({ actor: 'result_store', eventType: 'GET_RESULT', nodeName: s.name, taskId: s.taskId, msg: 'hit' });
    }
    if (s.status === 'executed') {
      ev({
        actor: 'metadata_store',
        eventType: 'GET_DATA_VERSION',
        nodeName: s.name,
        taskId: s.taskId,
        msg: 'miss',
      });
    }
    if (['executed', 'recomputed', 'disabled', 'ignored', 'failed'].includes(s.status)) {
      ev({ actor: 'adapter', eventType: 'EXECUTE_NODE', nodeName: s.name, taskId: s.taskId });
      t += durationMs;
    }
    if (s.status === 'failed')
      ev({ actor: 'adapter', eventType: 'FAILED_EXECUTION', nodeName: s.name, msg: s.error });
    if (s.status === 'executed' || s.status === 'recomputed') {
      ev({
        actor: 'metadata_store',
        eventType: 'SET_DATA_VERSION',
        nodeName: s.name,
        taskId: s.taskId,
        value: dataVersion,
      });
      ev({ actor: 'result_store', eventType: 'SET_RESULT', nodeName: s.name, taskId: s.taskId });
    }
  }
  return {
    runId,
    tool: 'direct',
    startedAt,
    finishedAt: t + 5,
    status: Object.values(nodes).some((n) => n.status === 'failed') ? 'failed' : 'succeeded',
    finalVars: [],
    labels: {},
    nodes,
    events,
    ...extra,
  };
}

export const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

/** A small ML-style pipeline covering every outcome: first run, then a code change in `clean`. */
export function pipelineRuns(): { first: RunRecord; second: RunRecord } {
  const shared = (over: Partial<Record<string, Partial<Spec>>>): Spec[] =>
    [
      { name: 'alpha', status: 'input', value: 0.2 },
      { name: 'threshold', status: 'override', value: 0.5 },
      { name: 'raw', status: 'executed', durationMs: 1200, format: 'parquet', byteSize: 5_432_100 },
      {
        name: 'clean',
        status: 'executed',
        upstream: ['raw'],
        durationMs: 800,
        format: 'parquet',
        byteSize: 2_100_000,
      },
      {
        name: 'features',
        status: 'executed',
        upstream: ['clean', 'alpha'],
        durationMs: 450,
        format: 'feather',
        byteSize: 900_000,
      },
      {
        name: 'model',
        status: 'recomputed',
        upstream: ['features', 'threshold'],
        durationMs: 3000,
        format: 'pickle',
        byteSize: 48_000,
      },
      {
        name: 'metrics',
        status: 'executed',
        upstream: ['model', 'features'],
        durationMs: 120,
        format: 'json',
        byteSize: 310,
      },
      { name: 'debug_dump', status: 'disabled', upstream: ['clean'], durationMs: 40 },
      { name: 'notify', status: 'ignored', upstream: ['metrics'], durationMs: 15 },
      {
        name: 'publish',
        status: 'executed',
        upstream: ['metrics', 'notify'],
        durationMs: 60,
        format: 'json',
        byteSize: 90,
      },
    ].map((s) => ({ ...s, ...over[s.name] }) as Spec);
  const first = makeRun('run-2026-11-24-a', T0, shared({}), { labels: { branch: 'main' } });
  const second = makeRun(
    'run-2026-11-24-b',
    T0 + 3_600_000,
    shared({
      raw: { status: 'retrieved', durationMs: 8 },
      clean: { code: 'code:clean:v2', durationMs: 760, value: 'cleaned with v2' },
      metrics: { status: 'failed', error: 'TypeError: cannot read properties of undefined (reading "auc")' },
      publish: { status: 'skipped' },
    }),
    { labels: { branch: 'main' } },
  );
  return { first, second };
}

/** Three Nx tasks of one `nx run-many`, each written by its own process as its own run. */
export function nxGroupRuns(): RunRecord[] {
  const labels = { group: 'nx-7f3a', target: 'build' };
  return [
    makeRun(
      'nx-7f3a:lib-a:build',
      T0 + 10_000,
      [{ name: 'lib-a:build', status: 'retrieved', durationMs: 5 }],
      { tool: 'nx', labels },
    ),
    makeRun(
      'nx-7f3a:lib-b:build',
      T0 + 10_500,
      [{ name: 'lib-b:build', status: 'executed', durationMs: 2300 }],
      { tool: 'nx', labels },
    ),
    makeRun(
      'nx-7f3a:app:build',
      T0 + 13_000,
      [{ name: 'app:build', status: 'executed', upstream: ['lib-a:build', 'lib-b:build'], durationMs: 4100 }],
      { tool: 'nx', labels },
    ),
  ];
}

/** A wide, deep DAG: `layers` × `width` nodes, each reading two nodes of the layer before. */
export function bigRun(layers = 40, width = 50): RunRecord {
  const specs: Spec[] = [];
  const statuses: NodeStatus[] = ['retrieved', 'retrieved', 'retrieved', 'executed', 'recomputed'];
  for (let l = 0; l < layers; l++) {
    for (let i = 0; i < width; i++) {
      const upstream = l === 0 ? [] : [`n${l - 1}_${i}`, `n${l - 1}_${(i * 7 + 3) % width}`];
      specs.push({
        name: `n${l}_${i}`,
        status: statuses[(l * width + i) % statuses.length]!,
        upstream,
        durationMs: 1 + ((l * i) % 50),
      });
    }
  }
  return makeRun('run-big', T0 + 7_200_000, specs);
}
