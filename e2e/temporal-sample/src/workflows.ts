import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities.js';

const { fetchPrices, computeStats, renderReport } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '30 seconds',
});

/**
 * A three-step pipeline. Running it again with the same input re-schedules every activity (Temporal always
 * does); dagcache's interceptor on the worker serves each one from the cache instead of running it.
 */
export async function pricePipeline(symbol: string, days: number): Promise<string> {
  const series = await fetchPrices(symbol, days);
  const stats = await computeStats(series);
  return await renderReport(stats);
}
