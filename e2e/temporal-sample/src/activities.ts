import { Context } from '@temporalio/activity';

/** One day of closing prices for a symbol. */
export interface PriceSeries {
  symbol: string;
  prices: number[];
}

/** Summary statistics of a price series. */
export interface PriceStats {
  symbol: string;
  count: number;
  mean: number;
  min: number;
  max: number;
}

/**
 * Pretends to download prices: derives a deterministic series from the symbol, so the sample runs offline.
 * Heartbeats like a real long download would, to show that heartbeats pass through dagcache untouched.
 */
export async function fetchPrices(symbol: string, days: number): Promise<PriceSeries> {
  const prices: number[] = [];
  let seed = [...symbol].reduce((acc, ch) => acc * 31 + ch.charCodeAt(0), 7) % 1000;
  for (let day = 0; day < days; day++) {
    seed = (seed * 48271) % 2147483647;
    prices.push(100 + (seed % 1000) / 10);
    if (day % 10 === 0) Context.current().heartbeat({ day });
  }
  return { symbol, prices };
}

/** Mean, min and max of a series. */
export async function computeStats(series: PriceSeries): Promise<PriceStats> {
  const { prices } = series;
  const sum = prices.reduce((a, b) => a + b, 0);
  return {
    symbol: series.symbol,
    count: prices.length,
    mean: prices.length ? sum / prices.length : 0,
    min: Math.min(...prices),
    max: Math.max(...prices),
  };
}

/** A one-line report of the statistics. */
export async function renderReport(stats: PriceStats): Promise<string> {
  return `${stats.symbol}: ${stats.count} days, mean ${stats.mean.toFixed(2)}, range ${stats.min.toFixed(2)}–${stats.max.toFixed(2)}`;
}
