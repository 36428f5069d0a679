/**
 * @dagcache/orc — an Apache ORC reader and writer in TypeScript.
 *
 * @example
 * ```ts
 * import { readOrc, writeOrc } from '@dagcache/orc';
 * const bytes = writeOrc('struct<id:int,name:string>', [{ id: 1, name: 'a' }], { compression: 'zstd' });
 * readOrc(bytes).rows(); // [{ id: 1, name: 'a' }]
 * ```
 * @packageDocumentation
 */
export { OrcFormatError } from './errors.js';
export {
  readOrc,
  readOrcInfo,
  type OrcFile,
  type OrcInfo,
  type ReadOptions,
  type StripeSummary,
} from './reader/reader.js';
export type { ColumnStatistics } from './proto/messages.js';
export { parseSchema, typeToString, type OrcType, type OrcField, type PrimitiveKind } from './schema.js';
export type { ColumnVector } from './vector.js';
export { formatDecimal, vectorToValues, type OrcValue } from './rows.js';
export { writeOrc, type WriteOptions } from './writer/writer.js';
export { valuesToVector } from './writer/from-values.js';
export type { Compression } from './codec/index.js';
export { orcToArrow, arrowToOrc, arrowType, orcType } from './arrow.js';
