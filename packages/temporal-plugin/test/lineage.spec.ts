import { createHash } from 'node:crypto';
import type { ActivityInput } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { readLineage } from '../src/index.js';
import { sha256, toHex } from '../src/lineage/sha256.js';
import { LineageOutboundInterceptor } from '../src/lineage/workflow-interceptors.js';

function activityInput(activityType: string, seq: number): ActivityInput {
  return { activityType, args: [], options: {}, headers: {}, seq };
}

describe('workflow-side lineage', () => {
  it('sends each activity the versions of the results that completed before it was scheduled', async () => {
    const interceptor = new LineageOutboundInterceptor();
    const seen: Record<string, unknown> = {};
    const results: Record<string, unknown> = {
      fetchPrices: { prices: [1, 2] },
      computeStats: { mean: 1.5 },
      renderReport: 'ok',
    };
    for (const [seq, type] of ['fetchPrices', 'computeStats', 'renderReport'].entries()) {
      await interceptor.scheduleActivity(activityInput(type, seq + 1), async (input) => {
        seen[type] = readLineage(input.headers);
        return results[type];
      });
    }
    expect(seen.fetchPrices).toEqual({});
    expect(Object.keys(seen.computeStats as object)).toEqual(['fetchPrices']);
    expect(Object.keys(seen.renderReport as object)).toEqual(['computeStats', 'fetchPrices']);
  });

  it('gives equal results equal versions (early cutoff) and different results different ones', async () => {
    const versionAfter = async (result: unknown) => {
      const interceptor = new LineageOutboundInterceptor();
      await interceptor.scheduleActivity(activityInput('fetchPrices', 1), async () => result);
      let lineage: Record<string, string> | undefined;
      await interceptor.scheduleActivity(activityInput('computeStats', 2), async (input) => {
        lineage = readLineage(input.headers);
        return null;
      });
      return lineage?.fetchPrices;
    };
    expect(await versionAfter({ prices: [1, 2] })).toBe(await versionAfter({ prices: [1, 2] }));
    expect(await versionAfter({ prices: [1, 2] })).not.toBe(await versionAfter({ prices: [1, 3] }));
  });

  it('its sandbox-safe SHA-256 agrees with node:crypto', () => {
    for (const size of [0, 1, 55, 56, 63, 64, 65, 1000]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 7 + size) % 256);
      expect(toHex(sha256(bytes))).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
});
