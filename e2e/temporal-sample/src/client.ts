// Starts the sample pipeline twice with the same input: the second run's activities come from dagcache.
import { Client, Connection } from '@temporalio/client';
import { pricePipeline } from './workflows.js';
import { TASK_QUEUE } from './worker-options.js';

const symbol = process.argv[2] ?? 'ACME';
const days = Number(process.argv[3] ?? 250);
const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
try {
  const client = new Client({ connection });
  for (const attempt of [1, 2]) {
    const t0 = Date.now();
    const report = await client.workflow.execute(pricePipeline, {
      taskQueue: TASK_QUEUE,
      workflowId: `prices-${symbol}-${Date.now()}`,
      args: [symbol, days],
    });
    console.log(`run ${attempt}: ${report} (${Date.now() - t0} ms)`);
  }
} finally {
  await connection.close();
}
