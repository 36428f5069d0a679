/** The result formats dagcache knows (Hamilton's `@cache(format=...)` list). */
export type FormatName = 'json' | 'file' | 'pickle' | 'parquet' | 'csv' | 'feather' | 'orc' | 'excel';

export const FORMAT_NAMES: readonly FormatName[] = [
  'json',
  'file',
  'pickle',
  'parquet',
  'csv',
  'feather',
  'orc',
  'excel',
];

/** What a format is told about the value it encodes or decodes, for error messages and file placement. */
export interface FormatContext {
  /** Node the result belongs to (used in error messages). */
  nodeName: string;
  /** Folder where formats that hand back files (the `file` format) place restored copies. */
  fileDir: string;
  /** Per-format options from configuration, e.g. `{ compression: 'zstd' }` for parquet. */
  options?: Record<string, unknown>;
}

/** Bytes to store plus small string metadata kept beside them (e.g. "records" vs "arrow", a CSV schema). */
export interface EncodedResult {
  bytes: Uint8Array;
  meta?: Record<string, string>;
}

/**
 * One way of writing a result to bytes and reading it back. `encode` must validate the whole value
 * first and throw `FormatError` (naming the node and the path) before anything is written.
 * `decode` must give back a value equal to what was encoded (a record array stays a record array).
 */
export interface ResultFormat {
  readonly name: FormatName;
  /** File extension without the dot, used for stored files (`<dataVersion>.<extension>`). */
  readonly extension: string;
  encode(value: unknown, ctx: FormatContext): Promise<EncodedResult>;
  decode(bytes: Uint8Array, meta: Record<string, string>, ctx: FormatContext): Promise<unknown>;
}
