import { DateUnit, Table, Type, type DataType, type Date_, type Dictionary, type Vector } from 'apache-arrow';
import { ConfigError, FormatError } from '../errors.js';
import type { FormatContext, ResultFormat } from './result-format.js';
import {
  conformToSchema,
  fromTable,
  schemaFromMeta,
  tabularMeta,
  toTable,
  typeSignature,
} from './tabular/tabular.js';
import { buildColumn, columnValues } from './tabular/columns.js';

/**
 * Top-level string types the codec may give back as plain Utf8 (LargeUtf8 always; dictionaries in codec
 * versions before it kept them): they are rebuilt in their original type on decode (the values are
 * identical), so these columns are accepted rather than refused.
 */
function isRebuiltString(type: DataType): boolean {
  if (type.typeId === Type.LargeUtf8) return true;
  return (
    type.typeId === Type.Dictionary &&
    [Type.Utf8, Type.LargeUtf8].includes((type as Dictionary).dictionary.typeId)
  );
}

const isDate64 = (type: DataType) =>
  type.typeId === Type.Date && (type as Date_).unit === DateUnit.MILLISECOND;
const hasNestedDate64 = (type: DataType): boolean =>
  (type.children ?? []).some((c) => isDate64(c.type) || hasNestedDate64(c.type));

/**
 * ORC's `date` holds days: a Date64 value with a time of day would silently lose it, so such a value is
 * refused (naming its row) instead.
 */
function wholeDaysProblem(vector: Vector): string | undefined {
  const values = columnValues(vector);
  const row = values.findIndex((v) => v !== null && (v as bigint) % 86_400_000n !== 0n);
  return row < 0
    ? undefined
    : `row ${row} has a time of day, and ORC dates hold whole days only; use a Timestamp column`;
}

/** Rebuilds the rebuilt-string columns of a table read from ORC in the types the schema says. */
function rebuildStrings(table: Table, expected: Table['schema']): Table {
  if (!expected.fields.some((f) => isRebuiltString(f.type))) return table;
  const columns = Object.fromEntries(
    expected.fields.map((f, i) => {
      const vec = table.getChildAt(i)!;
      const rebuild = isRebuiltString(f.type) && typeSignature(vec.type) !== typeSignature(f.type);
      return [f.name, rebuild ? buildColumn(f.type, columnValues(vec)) : vec];
    }),
  );
  return new Table(columns);
}

/** Codecs `options.compression` accepts (those of @dagcache/orc). */
export const ORC_COMPRESSIONS = ['zstd', 'zlib', 'snappy', 'lz4', 'none'] as const;
export type OrcCompression = (typeof ORC_COMPRESSIONS)[number];

/** The ORC codec package (typed; loaded with a dynamic import). */
type OrcCodec = typeof import('@dagcache/orc');

/**
 * Loads @dagcache/orc. It is imported only when the orc format is first used, so the rest of core (and
 * every other format) works whether or not the ORC codec is installed.
 */
async function loadCodec(): Promise<OrcCodec> {
  let mod: Partial<OrcCodec>;
  try {
    mod = await import('@dagcache/orc');
  } catch (err) {
    throw new ConfigError(
      `format "orc" is not available: @dagcache/orc cannot be loaded (${(err as Error).message})`,
    );
  }
  if (typeof mod.arrowToOrc !== 'function' || typeof mod.orcToArrow !== 'function') {
    throw new ConfigError('format "orc" is not available: this @dagcache/orc has no arrowToOrc/orcToArrow');
  }
  return mod as OrcCodec;
}

/** Reads `ctx.options.compression` (default zstd); anything else is a `ConfigError` naming the node. */
export function orcCompression(ctx: FormatContext): OrcCompression {
  const value = ctx.options?.compression ?? 'zstd';
  if (typeof value === 'string' && (ORC_COMPRESSIONS as readonly string[]).includes(value.toLowerCase())) {
    return value.toLowerCase() as OrcCompression;
  }
  throw new ConfigError(
    `orc format option "compression" for node "${ctx.nodeName}" is ${JSON.stringify(value)}; ` +
      `expected one of ${ORC_COMPRESSIONS.join(', ')}`,
  );
}

/**
 * Builds the `orc` format on @dagcache/orc (a TypeScript ORC reader/writer with Arrow conversion).
 * Takes an Arrow `Table` or an array of plain records and gives back the same form. A column whose
 * Arrow type ORC would give back as a different type (Uint64, Float16, Time, Interval, Null, Dictionary…)
 * is a `FormatError` at encode time. `options.compression`: zstd (default), zlib, snappy, lz4, none.
 *
 * @example
 * ```ts
 * const fmt = await getFormat('orc');
 * const { bytes, meta } = await fmt.encode([{ id: 1n, tags: ['a'] }], ctx);
 * await fmt.decode(bytes, meta ?? {}, ctx); // [{ id: 1n, tags: ['a'] }]
 * ```
 */
export async function loadOrcFormat(): Promise<ResultFormat> {
  const codec = await loadCodec();
  /** Why ORC cannot hold a type exactly: asks the codec's own mapping what the type would read back as. */
  const problem = (type: DataType): string | undefined => {
    let back;
    try {
      back = codec.arrowType(codec.orcType(type, true));
    } catch (err) {
      return (err as Error).message.replace(/^column\s*:\s*/, '');
    }
    return typeSignature(back) === typeSignature(type)
      ? undefined
      : `ORC would give it back as ${String(back)}`;
  };
  return {
    name: 'orc',
    extension: 'orc',
    async encode(value, ctx) {
      const compression = orcCompression(ctx);
      const input = toTable(value, 'orc', ctx);
      // One check per top-level column: the signature compared covers every nested child, and only
      // top-level string columns are rebuilt on decode.
      for (const f of input.table.schema.fields) {
        const why = isRebuiltString(f.type)
          ? undefined
          : isDate64(f.type)
            ? wholeDaysProblem(input.table.getChild(f.name)!)
            : hasNestedDate64(f.type)
              ? 'ORC dates hold whole days only, and Date64 values inside nested types are not checked; use a Timestamp'
              : problem(f.type);
        if (why) {
          throw new FormatError(
            `orc format cannot store column "${f.name}" of node "${ctx.nodeName}" (${String(f.type)}): ${why}`,
          );
        }
      }
      let bytes: Uint8Array;
      try {
        bytes = codec.arrowToOrc(input.table, { compression });
      } catch (err) {
        throw new FormatError(
          `orc format cannot store the result of node "${ctx.nodeName}": ${(err as Error).message}`,
        );
      }
      return { bytes, meta: { ...tabularMeta(input), compression } };
    },
    async decode(bytes, meta) {
      let table: Table;
      try {
        table = codec.orcToArrow(bytes);
      } catch (err) {
        throw new FormatError(`orc format: cannot read ORC bytes: ${(err as Error).message}`);
      }
      const schema = schemaFromMeta(meta.schema, 'orc');
      return fromTable(conformToSchema(rebuildStrings(table, schema), schema, 'orc'), meta);
    },
  };
}
