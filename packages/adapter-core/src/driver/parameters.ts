import { parse, type Node as AcornNode } from 'acorn';
import { ConfigError } from '../errors.js';

/** A default parameter value: literal ones are known values; others are only known to the function. */
export type DefaultValue = { literal: true; value: unknown } | { literal: false; source: string };

export interface Parameters {
  /** Names destructured from the first parameter, in source order. */
  names: string[];
  defaults: Record<string, DefaultValue>;
  /** False when the function takes no destructured object (no parameter, or a plain identifier). */
  destructured: boolean;
  /** Number of declared parameters. */
  arity: number;
}

/**
 * Reads the dependency names of a node function from its first parameter, as Hamilton reads parameter
 * names: `({ raw, alpha = 0.1 }) => …` depends on `raw` and `alpha`, and `alpha` defaults to 0.1.
 * Uses a real parser (acorn) on `Function.prototype.toString()`, which works for arrows, functions,
 * async functions and methods alike.
 */
export function readParameters(fn: (...args: any[]) => unknown, where: string): Parameters {
  const source = Function.prototype.toString.call(fn);
  const params = parseParams(source);
  if (!params)
    throw new ConfigError(`${where}: cannot read the parameters of this function; pass \`deps\` explicitly`);
  const first = params[0];
  if (!first) return { names: [], defaults: {}, destructured: false, arity: 0 };
  let pattern = first;
  if (pattern.type === 'AssignmentPattern') pattern = (pattern as any).left;
  if (pattern.type !== 'ObjectPattern')
    return { names: [], defaults: {}, destructured: false, arity: params.length };
  const names: string[] = [];
  const defaults: Record<string, DefaultValue> = {};
  for (const prop of (pattern as any).properties as any[]) {
    if (prop.type === 'RestElement') {
      throw new ConfigError(
        `${where}: a rest element (...rest) hides which nodes it needs; list them with \`deps\``,
      );
    }
    let key: string;
    if (prop.key.type === 'Identifier' && !prop.computed) key = prop.key.name;
    else if (prop.key.type === 'Literal') key = String(prop.key.value);
    else throw new ConfigError(`${where}: computed property names cannot be dependencies; use \`deps\``);
    names.push(key);
    if (prop.value.type === 'AssignmentPattern') {
      const right = prop.value.right as AcornNode;
      const lit = literalValue(right);
      defaults[key] = lit.ok
        ? { literal: true, value: lit.value }
        : { literal: false, source: source.slice(right.start, right.end) };
    }
  }
  return { names, defaults, destructured: true, arity: params.length };
}

function parseParams(source: string): AcornNode[] | undefined {
  const opts = { ecmaVersion: 'latest' as const };
  // A function or arrow is an expression; a method (`name(x) {}`) only parses inside an object literal.
  for (const wrap of [(s: string) => `(${s})`, (s: string) => `({${s}})`, (s: string) => `(class {${s}})`]) {
    try {
      const program = parse(wrap(source), opts) as any;
      let expr = program.body[0]?.expression;
      if (expr?.type === 'ObjectExpression') expr = expr.properties[0]?.value;
      else if (expr?.type === 'ClassExpression') expr = expr.body.body[0]?.value;
      if (expr && Array.isArray(expr.params)) return expr.params as AcornNode[];
    } catch {
      // try the next wrapping
    }
  }
  return undefined;
}

/** Evaluates literal default values without running code: numbers, strings, booleans, null, arrays, objects. */
function literalValue(node: any): { ok: true; value: unknown } | { ok: false } {
  switch (node.type) {
    case 'Literal':
      if (node.regex) return { ok: false };
      return { ok: true, value: node.bigint !== undefined ? BigInt(node.bigint) : node.value };
    case 'Identifier':
      if (node.name === 'undefined') return { ok: true, value: undefined };
      if (node.name === 'NaN') return { ok: true, value: NaN };
      if (node.name === 'Infinity') return { ok: true, value: Infinity };
      return { ok: false };
    case 'UnaryExpression': {
      if (node.operator !== '-' && node.operator !== '+') return { ok: false };
      const inner = literalValue(node.argument);
      if (!inner.ok || (typeof inner.value !== 'number' && typeof inner.value !== 'bigint'))
        return { ok: false };
      return { ok: true, value: node.operator === '-' ? -(inner.value as number) : inner.value };
    }
    case 'TemplateLiteral':
      if (node.expressions.length) return { ok: false };
      return { ok: true, value: node.quasis[0].value.cooked };
    case 'ArrayExpression': {
      const out: unknown[] = [];
      for (const el of node.elements) {
        if (!el || el.type === 'SpreadElement') return { ok: false };
        const v = literalValue(el);
        if (!v.ok) return v;
        out.push(v.value);
      }
      return { ok: true, value: out };
    }
    case 'ObjectExpression': {
      const out: Record<string, unknown> = {};
      for (const p of node.properties) {
        if (p.type !== 'Property' || p.computed || p.kind !== 'init' || p.method) return { ok: false };
        const k = p.key.type === 'Identifier' ? p.key.name : String(p.key.value);
        const v = literalValue(p.value);
        if (!v.ok) return v;
        out[k] = v.value;
      }
      return { ok: true, value: out };
    }
    default:
      return { ok: false };
  }
}
