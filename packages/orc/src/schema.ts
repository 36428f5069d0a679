/**
 * ORC schema: a tree of types. Column ids are assigned in pre-order (the root struct is column 0), as in
 * the file footer.
 */
import { OrcFormatError } from './errors.js';
import { Kind, type ProtoType } from './proto/messages.js';

export type PrimitiveKind =
  | 'boolean'
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'float'
  | 'double'
  | 'string'
  | 'binary'
  | 'date'
  | 'timestamp'
  | 'timestamp with local time zone';

/**
 * An ORC type. `attributes` are ORC's optional type attributes (key/value strings kept in the footer);
 * the Arrow conversion uses them to restore Arrow details ORC has no type for (e.g. a timestamp's unit).
 */
export type OrcType = (
  | { kind: PrimitiveKind }
  | { kind: 'char' | 'varchar'; maxLength: number }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'list'; element: OrcType }
  | { kind: 'map'; key: OrcType; value: OrcType }
  | { kind: 'struct'; fields: OrcField[] }
  | { kind: 'union'; variants: OrcType[] }
) & { attributes?: Record<string, string> };

export interface OrcField {
  name: string;
  type: OrcType;
}

export type StructType = Extract<OrcType, { kind: 'struct' }>;

/** A type with its column id and dotted path name, as the reader and writer walk it. */
export interface TypeNode {
  id: number;
  name: string;
  type: OrcType;
  children: TypeNode[];
}

const kindByNumber: Record<number, OrcType['kind']> = {
  [Kind.BOOLEAN]: 'boolean',
  [Kind.BYTE]: 'tinyint',
  [Kind.SHORT]: 'smallint',
  [Kind.INT]: 'int',
  [Kind.LONG]: 'bigint',
  [Kind.FLOAT]: 'float',
  [Kind.DOUBLE]: 'double',
  [Kind.STRING]: 'string',
  [Kind.BINARY]: 'binary',
  [Kind.TIMESTAMP]: 'timestamp',
  [Kind.LIST]: 'list',
  [Kind.MAP]: 'map',
  [Kind.STRUCT]: 'struct',
  [Kind.UNION]: 'union',
  [Kind.DECIMAL]: 'decimal',
  [Kind.DATE]: 'date',
  [Kind.VARCHAR]: 'varchar',
  [Kind.CHAR]: 'char',
  [Kind.TIMESTAMP_INSTANT]: 'timestamp with local time zone',
};

const numberByKind = Object.fromEntries(
  Object.entries(kindByNumber).map(([n, k]) => [k, Number(n)]),
) as Record<OrcType['kind'], number>;

/** Builds the schema tree from the footer's flat type list (validating ids so a cycle cannot loop). */
export function typeFromProto(types: ProtoType[]): OrcType {
  if (types.length === 0) throw new OrcFormatError('footer: no types');
  let expected = 0;
  // eslint-disable-next-line prefer-const
  let build: (id: number, depth: number) => OrcType;
  const buildInner = (id: number, depth: number): OrcType => {
    if (depth > 200) throw new OrcFormatError('footer: types nested too deeply');
    // Ids are pre-order: each subtype must be the next unvisited one.
    if (id !== expected)
      throw new OrcFormatError(`footer: type ${id} is out of pre-order (expected ${expected})`);
    expected++;
    const t = types[id];
    if (!t) throw new OrcFormatError(`footer: type ${id} missing`);
    const kind = kindByNumber[t.kind];
    if (!kind) throw new OrcFormatError(`footer: type ${id} has unknown kind ${t.kind}`);
    const sub = (n: number) => {
      if (t.subtypes.length !== n)
        throw new OrcFormatError(
          `footer: type ${id} (${kind}) has ${t.subtypes.length} subtypes, expected ${n}`,
        );
      return t.subtypes.map((s) => build(s, depth + 1));
    };
    switch (kind) {
      case 'char':
      case 'varchar':
        sub(0);
        return { kind, maxLength: t.maximumLength ?? 0 };
      case 'decimal':
        sub(0);
        // Hive 0.11 wrote decimals without precision/scale; ORC's C++ reader reads them at scale 6.
        if (!t.precision) return { kind, precision: 38, scale: 6 };
        return { kind, precision: t.precision, scale: t.scale ?? 0 };
      case 'list':
        return { kind, element: sub(1)[0]! };
      case 'map': {
        const [key, value] = sub(2);
        return { kind, key: key!, value: value! };
      }
      case 'struct': {
        if (t.fieldNames.length !== t.subtypes.length)
          throw new OrcFormatError(
            `footer: struct type ${id} has ${t.fieldNames.length} names for ${t.subtypes.length} fields`,
          );
        const children = t.subtypes.map((s) => build(s, depth + 1));
        return { kind, fields: children.map((type, i) => ({ name: t.fieldNames[i]!, type })) };
      }
      case 'union':
        if (t.subtypes.length === 0 || t.subtypes.length > 256)
          throw new OrcFormatError(`footer: union type ${id} has ${t.subtypes.length} variants`);
        return { kind, variants: t.subtypes.map((s) => build(s, depth + 1)) };
      default:
        sub(0);
        return { kind };
    }
  };
  const withAttributes = (id: number, depth: number): OrcType => {
    const t = buildInner(id, depth);
    const attrs = types[id]?.attributes ?? [];
    if (attrs.length > 0) t.attributes = Object.fromEntries(attrs.map((a) => [a.key, a.value]));
    return t;
  };
  build = withAttributes;
  const root = build(0, 0);
  if (expected !== types.length)
    throw new OrcFormatError(`footer: ${types.length - expected} types are not reachable`);
  return root;
}

/** Flattens a schema to the footer's type list. */
export function typeToProto(root: OrcType): ProtoType[] {
  const out: ProtoType[] = [];
  const walk = (t: OrcType): number => {
    const id = out.length;
    const p: ProtoType = {
      kind: numberByKind[t.kind],
      subtypes: [],
      fieldNames: [],
      maximumLength: undefined,
      precision: undefined,
      scale: undefined,
      attributes: Object.entries(t.attributes ?? {}).map(([key, value]) => ({ key, value })),
    };
    out.push(p);
    switch (t.kind) {
      case 'char':
      case 'varchar':
        p.maximumLength = t.maxLength;
        break;
      case 'decimal':
        p.precision = t.precision;
        p.scale = t.scale;
        break;
      case 'list':
        p.subtypes.push(walk(t.element));
        break;
      case 'map':
        p.subtypes.push(walk(t.key));
        p.subtypes.push(walk(t.value));
        break;
      case 'struct':
        for (const f of t.fields) {
          p.fieldNames.push(f.name);
          p.subtypes.push(walk(f.type));
        }
        break;
      case 'union':
        for (const v of t.variants) p.subtypes.push(walk(v));
        break;
    }
    return id;
  };
  walk(root);
  return out;
}

/** Assigns column ids and path names. */
export function typeTree(root: OrcType): TypeNode {
  let next = 0;
  const walk = (t: OrcType, name: string): TypeNode => {
    const node: TypeNode = { id: next++, name, type: t, children: [] };
    const sub = (c: OrcType, n: string) => node.children.push(walk(c, name ? `${name}.${n}` : n));
    switch (t.kind) {
      case 'list':
        sub(t.element, '_elem');
        break;
      case 'map':
        sub(t.key, '_key');
        sub(t.value, '_value');
        break;
      case 'struct':
        for (const f of t.fields) sub(f.type, f.name);
        break;
      case 'union':
        t.variants.forEach((v, i) => sub(v, `_u${i}`));
        break;
    }
    return node;
  };
  return walk(root, '');
}

/**
 * The ORC type string of a type.
 *
 * @example
 * ```ts
 * typeToString(readOrc(bytes).schema); // 'struct<a:int,b:map<string,double>>'
 * ```
 */
export function typeToString(t: OrcType): string {
  switch (t.kind) {
    case 'char':
    case 'varchar':
      return `${t.kind}(${t.maxLength})`;
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'list':
      return `array<${typeToString(t.element)}>`;
    case 'map':
      return `map<${typeToString(t.key)},${typeToString(t.value)}>`;
    case 'struct':
      return `struct<${t.fields.map((f) => `${quoteName(f.name)}:${typeToString(f.type)}`).join(',')}>`;
    case 'union':
      return `uniontype<${t.variants.map(typeToString).join(',')}>`;
    default:
      return t.kind;
  }
}

function quoteName(n: string): string {
  return /^[A-Za-z0-9_]+$/.test(n) ? n : '`' + n.replace(/`/g, '``') + '`';
}

/**
 * Parses an ORC type string.
 *
 * @example
 * ```ts
 * parseSchema('struct<id:bigint,name:string,tags:array<string>>')
 * ```
 */
export function parseSchema(text: string): OrcType {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new OrcFormatError(`schema "${text}" at ${pos}: ${msg}`);
  };
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const eat = (c: string) => {
    ws();
    if (text[pos] !== c) fail(`expected '${c}'`);
    pos++;
  };
  const word = (): string => {
    ws();
    const m = /^[A-Za-z0-9_]+( with local time zone)?/.exec(text.slice(pos));
    if (!m) return fail('expected a name');
    pos += m[0].length;
    return m[0];
  };
  const name = (): string => {
    ws();
    if (text[pos] === '`') {
      let out = '';
      pos++;
      for (;;) {
        if (pos >= text.length) fail('unterminated `name`');
        if (text[pos] === '`') {
          if (text[pos + 1] === '`') {
            out += '`';
            pos += 2;
            continue;
          }
          pos++;
          return out;
        }
        out += text[pos++];
      }
    }
    return word();
  };
  const int = (): number => {
    ws();
    const m = /^\d+/.exec(text.slice(pos));
    if (!m) return fail('expected a number');
    pos += m[0].length;
    return Number(m[0]);
  };
  const type = (): OrcType => {
    const w = word().toLowerCase();
    switch (w) {
      case 'boolean':
      case 'tinyint':
      case 'smallint':
      case 'int':
      case 'bigint':
      case 'float':
      case 'double':
      case 'string':
      case 'binary':
      case 'date':
      case 'timestamp':
      case 'timestamp with local time zone':
        return { kind: w };
      case 'char':
      case 'varchar': {
        eat('(');
        const maxLength = int();
        eat(')');
        return { kind: w, maxLength };
      }
      case 'decimal': {
        ws();
        if (text[pos] !== '(') return { kind: 'decimal', precision: 38, scale: 10 };
        eat('(');
        const precision = int();
        eat(',');
        const scale = int();
        eat(')');
        return { kind: 'decimal', precision, scale };
      }
      case 'array': {
        eat('<');
        const element = type();
        eat('>');
        return { kind: 'list', element };
      }
      case 'map': {
        eat('<');
        const key = type();
        eat(',');
        const value = type();
        eat('>');
        return { kind: 'map', key, value };
      }
      case 'struct': {
        eat('<');
        const fields: OrcField[] = [];
        ws();
        if (text[pos] === '>') {
          pos++;
          return { kind: 'struct', fields };
        }
        for (;;) {
          const n = name();
          eat(':');
          fields.push({ name: n, type: type() });
          ws();
          if (text[pos] === ',') pos++;
          else break;
        }
        eat('>');
        return { kind: 'struct', fields };
      }
      case 'uniontype': {
        eat('<');
        const variants: OrcType[] = [type()];
        ws();
        while (text[pos] === ',') {
          pos++;
          variants.push(type());
          ws();
        }
        eat('>');
        return { kind: 'union', variants };
      }
      default:
        return fail(`unknown type '${w}'`);
    }
  };
  const t = type();
  ws();
  if (pos !== text.length) fail('trailing text');
  return t;
}
