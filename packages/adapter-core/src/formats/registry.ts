import { ConfigError } from '../errors.js';
import { jsonFormat } from './json.js';
import { pickleFormat } from './pickle.js';
import { FORMAT_NAMES, type FormatName, type ResultFormat } from './result-format.js';

// Formats load lazily: the tabular ones pull in Arrow, WASM and exceljs, which a cache that
// only stores JSON should never pay for at start-up.
const loaders: Record<FormatName, () => Promise<ResultFormat>> = {
  json: async () => jsonFormat,
  pickle: async () => pickleFormat,
  file: async () => (await import('./file.js')).fileFormat,
  parquet: async () => (await import('./parquet.js')).parquetFormat,
  csv: async () => (await import('./csv.js')).csvFormat,
  feather: async () => (await import('./feather.js')).featherFormat,
  orc: async () => (await import('./orc.js')).loadOrcFormat(),
  excel: async () => (await import('./excel.js')).excelFormat,
};

const loaded = new Map<FormatName, Promise<ResultFormat>>();

/** Checks a format name from configuration; throws a `ConfigError` naming where it came from. */
export function parseFormatName(value: unknown, where: string): FormatName {
  if (typeof value === 'string' && (FORMAT_NAMES as readonly string[]).includes(value.toLowerCase())) {
    return value.toLowerCase() as FormatName;
  }
  throw new ConfigError(`${where}: unknown format ${JSON.stringify(value)}; expected one of ${FORMAT_NAMES.join(', ')}`);
}

/** The implementation of a format, loaded on first use. */
export function getFormat(name: FormatName): Promise<ResultFormat> {
  let p = loaded.get(name);
  if (!p) {
    p = loaders[name]();
    loaded.set(name, p);
  }
  return p;
}
