import { Type, type DataType, type Schema } from 'apache-arrow';
import { FormatError } from '../../errors.js';
import type { FormatContext } from '../result-format.js';
import { isTextType } from './text.js';

const NESTED = new Set<Type>([
  Type.List,
  Type.LargeList,
  Type.FixedSizeList,
  Type.Struct,
  Type.Map,
  Type.Union,
]);

/** Why a type cannot be a column of a flat (text/spreadsheet) format, or undefined when it can. */
export function flatTypeProblem(type: DataType, format: string): string | undefined {
  if (NESTED.has(type.typeId))
    return `${format} has no nested values; use parquet, feather or orc for lists and structs`;
  if (!isTextType(type)) return `${format} has no exact text form for this type`;
  return undefined;
}

/** Column names must be unique: the file's header is how a reader finds its columns. */
export function assertUniqueNames(schema: Schema, format: string, ctx: FormatContext): void {
  const seen = new Set<string>();
  for (const f of schema.fields) {
    if (seen.has(f.name)) {
      throw new FormatError(`${format} format: node "${ctx.nodeName}" has two columns named "${f.name}"`);
    }
    seen.add(f.name);
  }
}
