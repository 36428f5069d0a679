// `npm run demo`: a real 8-node dataflow cached in the embedded SQLite default, run twice.
// The first run executes every node; the second retrieves them; a third changes one input and shows
// early cutoff and `why`. The cache lives in .dagcache-demo (cleared at start so the demo is repeatable).
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Builder, node, type Driver } from '@dagcache/core';

const path = resolve('.dagcache-demo');
rmSync(path, { recursive: true, force: true });

/** Deterministic pseudo-random numbers, so every run computes the same data. */
function rng(seed: number) {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

const nodes = {
  customers: node(() => {
    const r = rng(1);
    return Array.from({ length: 200 }, (_, i) => ({ id: i, region: ['north', 'south', 'east', 'west'][Math.floor(r() * 4)]! }));
  }),
  orders: node(async () => {
    const r = rng(2);
    await new Promise((ok) => setTimeout(ok, 30)); // a slow source, as a real extract would be
    return Array.from({ length: 5_000 }, (_, i) => ({
      id: i,
      customer: Math.floor(r() * 200),
      amount: Math.round(r() * 50_000) / 100,
      day: 1 + Math.floor(r() * 28),
    }));
  }),
  valid_orders: node(({ orders, min_amount = 5 }) => orders.filter((o: any) => o.amount >= min_amount)),
  enriched: node(({ valid_orders, customers }) => {
    const region = new Map(customers.map((c: any) => [c.id, c.region]));
    return valid_orders.map((o: any) => ({ ...o, region: region.get(o.customer) }));
  }),
  revenue_by_region: node(
    ({ enriched }) => {
      const out: Record<string, number> = {};
      for (const o of enriched) out[o.region] = Math.round(((out[o.region] ?? 0) + o.amount) * 100) / 100;
      return out;
    },
    { cache: { format: 'json' } },
  ),
  daily_revenue: node(({ enriched }) => {
    const days = new Array(28).fill(0);
    for (const o of enriched) days[o.day - 1] += o.amount;
    return days.map((v: number) => Math.round(v * 100) / 100);
  }),
  top_customers: node(({ enriched, top_n }) => {
    const total = new Map<number, number>();
    for (const o of enriched) total.set(o.customer, (total.get(o.customer) ?? 0) + o.amount);
    return [...total].sort((a, b) => b[1] - a[1]).slice(0, top_n).map(([id]) => id);
  }),
  report: node(
    ({ revenue_by_region, daily_revenue, top_customers }) => ({
      regions: revenue_by_region,
      best_day: daily_revenue.indexOf(Math.max(...daily_revenue)) + 1,
      top_customers,
    }),
    { cache: { format: 'json' } },
  ),
};

async function runOnce(label: string, inputs: Record<string, unknown>): Promise<Driver> {
  const dr = new Builder().withNodes(nodes).withCache({ path }).build();
  const t0 = performance.now();
  await dr.execute(['report'], { inputs });
  const ms = performance.now() - t0;
  const run = (await dr.cache.getRun(dr.cache.lastRunId))!;
  console.log(`\n${label}  run ${run.runId}  (${ms.toFixed(0)} ms)`);
  for (const n of Object.values(run.nodes)) {
    console.log(`  ${n.nodeName.padEnd(18)} ${n.status.padEnd(10)} ${n.durationMs.toFixed(1).padStart(7)} ms`);
  }
  return dr;
}

console.log(`dagcache demo — cache folder: ${path}`);
(await runOnce('Run 1 (cold: every node executes)', { top_n: 5 })).cache.close();
(await runOnce('Run 2 (warm: every node is retrieved)', { top_n: 5 })).cache.close();
const dr = await runOnce('Run 3 (top_n changed: only top_customers and report run)', { top_n: 3 });
const why = await dr.cache.why(undefined, 'top_customers');
console.log(`\nwhy did top_customers run again? ${why.reasons.join('; ')}`);
const report = await dr.cache.viewRun();
console.log(`\nrun report: ${report}\n(open it in a browser; \`npx dagcache view\` writes one for any run)`);
await dr.cache.close();
