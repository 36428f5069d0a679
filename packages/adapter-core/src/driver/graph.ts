import { versionCode } from '../code-version/version-code.js';
import { ConfigError } from '../errors.js';
import { parseFormatName } from '../formats/registry.js';
import { behaviorFromString } from '../behavior/caching-behavior.js';
import type {
  NodeCacheOptions,
  NodeDefinition,
  MultiNodeDefinition,
  NodeOptions,
} from './node-definition.js';
import { readParameters, type DefaultValue } from './parameters.js';

/** A node of the built graph. */
export interface GraphNode {
  readonly name: string;
  readonly deps: readonly string[];
  readonly defaults: Readonly<Record<string, DefaultValue>>;
  readonly cache: NodeCacheOptions;
  readonly role: 'loader' | 'saver' | 'expand' | 'collect' | undefined;
  readonly expand: boolean;
  readonly collect: string | undefined;
  /** Calls the node with its resolved dependency values. */
  readonly call: (args: Record<string, unknown>) => unknown;
  /** Code version, computed on first use (tokenizing 10,000 functions up front would slow `build()`). */
  codeVersion(): string;
}

export type NodeInput = NodeDefinition | MultiNodeDefinition | ((deps: any) => unknown);

/**
 * The DAG of the direct API, checked when the driver is built: dependency names, cycles, fan-out
 * shape, node options. Every check is iterative, so 10,000-node graphs and 5,000-deep chains are fine.
 */
export class Graph {
  readonly nodes = new Map<string, GraphNode>();
  /** Expand node → its branch nodes in topological order. */
  readonly branches = new Map<string, string[]>();
  /** Branch node → its expand node. */
  readonly branchOf = new Map<string, string>();
  /** Every name any node depends on (nodes and external inputs). */
  readonly dependencyNames = new Set<string>();

  constructor(definitions: Record<string, NodeInput>) {
    for (const [name, def] of Object.entries(definitions)) this.add(name, def);
    for (const n of this.nodes.values()) for (const d of n.deps) this.dependencyNames.add(d);
    this.order = this.topologicalOrder();
    this.findBranches();
  }

  /** All nodes in a topological order. */
  readonly order: string[];

  private add(name: string, def: NodeInput): void {
    if (typeof def === 'function')
      return this.addFunction(name, { kind: 'node', fn: def as any, options: {} });
    if (!def || typeof def !== 'object')
      throw new ConfigError(`node "${name}": expected node(), extractFields() or a function`);
    if (def.kind === 'node') return this.addFunction(name, def);
    if (def.kind === 'multi') {
      const targets = targetSet(def, name);
      const baseCache = targets.has(name) ? def.base.options.cache : undefined;
      this.addFunction(name, { ...def.base, options: { ...def.base.options, cache: baseCache ?? {} } });
      const base = this.nodes.get(name)!;
      for (const [field, extract] of Object.entries(def.fields)) {
        this.put({
          name: field,
          deps: [name],
          defaults: {},
          cache: checkCache(targets.has(field) ? (def.base.options.cache ?? {}) : {}, field),
          role: undefined,
          expand: false,
          collect: undefined,
          call: (args) => extract(args[name]),
          codeVersion: () => `${base.codeVersion()}#${field}`,
        });
      }
      return;
    }
    throw new ConfigError(`node "${name}": expected node(), extractFields() or a function`);
  }

  private addFunction(name: string, def: NodeDefinition): void {
    const o: NodeOptions = def.options ?? {};
    if (typeof def.fn !== 'function') throw new ConfigError(`node "${name}": its definition has no function`);
    const params = o.deps ? undefined : readParameters(def.fn, `node "${name}"`);
    if (params && !params.destructured && params.arity > 0) {
      throw new ConfigError(
        `node "${name}": its first parameter is not a destructuring pattern like ({ a, b }) — say which nodes it needs with \`deps\``,
      );
    }
    const deps = o.deps ? [...o.deps] : params!.names;
    const defaults: Record<string, DefaultValue> = { ...(params?.defaults ?? {}) };
    for (const [k, v] of Object.entries(o.defaults ?? {})) defaults[k] = { literal: true, value: v };
    for (const k of Object.keys(defaults)) {
      if (!deps.includes(k))
        throw new ConfigError(`node "${name}": default for "${k}", which it does not depend on`);
    }
    if (o.collect !== undefined && !deps.includes(o.collect)) {
      throw new ConfigError(
        `node "${name}": collect "${o.collect}" is not one of its dependencies (${deps.join(', ')})`,
      );
    }
    if (o.expand && o.collect) throw new ConfigError(`node "${name}": a node cannot both expand and collect`);
    if (o.role !== undefined && o.role !== 'loader' && o.role !== 'saver') {
      throw new ConfigError(
        `node "${name}": role must be "loader" or "saver", got ${JSON.stringify(o.role)}`,
      );
    }
    if (o.version !== undefined && typeof o.version !== 'string') {
      throw new ConfigError(`node "${name}": version must be a string`);
    }
    let cv: string | undefined;
    this.put({
      name,
      deps,
      defaults,
      cache: checkCache(o.cache ?? {}, name),
      role: o.expand ? 'expand' : o.collect ? 'collect' : o.role,
      expand: !!o.expand,
      collect: o.collect,
      call: (args) => def.fn(args),
      codeVersion: () => (cv ??= o.version ?? versionCode(def.fn, o.helpers ?? [])),
    });
  }

  private put(n: GraphNode): void {
    if (this.nodes.has(n.name)) throw new ConfigError(`node "${n.name}" is defined twice`);
    this.nodes.set(n.name, n);
  }

  /** Kahn's algorithm; a cycle is reported with the nodes on it. */
  private topologicalOrder(): string[] {
    const indegree = new Map<string, number>();
    const dependents = new Map<string, string[]>();
    for (const n of this.nodes.values()) {
      let d = 0;
      for (const dep of new Set(n.deps)) {
        if (!this.nodes.has(dep)) continue;
        d++;
        let list = dependents.get(dep);
        if (!list) dependents.set(dep, (list = []));
        list.push(n.name);
      }
      indegree.set(n.name, d);
    }
    const queue = [...indegree].filter(([, d]) => d === 0).map(([n]) => n);
    const order: string[] = [];
    for (let i = 0; i < queue.length; i++) {
      const name = queue[i]!;
      order.push(name);
      for (const next of dependents.get(name) ?? []) {
        const d = indegree.get(next)! - 1;
        indegree.set(next, d);
        if (d === 0) queue.push(next);
      }
    }
    if (order.length !== this.nodes.size) {
      const stuck = [...indegree].filter(([, d]) => d > 0).map(([n]) => n);
      throw new ConfigError(`the graph has a cycle through: ${stuck.slice(0, 10).join(', ')}`);
    }
    return order;
  }

  /** Branch nodes: downstream of an expand node, up to (not including) the collect nodes. */
  private findBranches(): void {
    for (const name of this.order) {
      const n = this.nodes.get(name)!;
      if (n.collect !== undefined) {
        const src = this.branchOf.get(n.collect);
        if (!src)
          throw new ConfigError(
            `node "${name}": collects "${n.collect}", which is not downstream of an expand node`,
          );
        for (const d of n.deps) {
          if (d !== n.collect && this.branchOf.has(d)) {
            throw new ConfigError(`node "${name}": depends on fan-out node "${d}" without collecting it`);
          }
        }
        continue;
      }
      const sources = new Set<string>();
      for (const d of n.deps) {
        const dn = this.nodes.get(d);
        if (!dn) continue;
        if (dn.expand) sources.add(d);
        const b = this.branchOf.get(d);
        if (b) sources.add(b);
      }
      if (sources.size > 1)
        throw new ConfigError(`node "${name}": depends on two fan-outs (${[...sources].join(', ')})`);
      const src = [...sources][0];
      if (!src) continue;
      if (n.expand)
        throw new ConfigError(
          `node "${name}": nested expand inside the fan-out of "${src}" is not supported`,
        );
      this.branchOf.set(name, src);
      let list = this.branches.get(src);
      if (!list) this.branches.set(src, (list = []));
      list.push(name);
    }
  }
}

function targetSet(def: MultiNodeDefinition, base: string): Set<string> {
  const fields = Object.keys(def.fields);
  if (def.target === '...') return new Set([base, ...fields]);
  if (def.target === null) return new Set(fields);
  const names = typeof def.target === 'string' ? [def.target] : [...def.target];
  for (const n of names) {
    if (n !== base && !fields.includes(n)) {
      throw new ConfigError(
        `node "${base}": target "${n}" is not one of the nodes it defines (${[base, ...fields].join(', ')})`,
      );
    }
  }
  return new Set(names);
}

function checkCache(cache: NodeCacheOptions, name: string): NodeCacheOptions {
  const out: NodeCacheOptions = {};
  for (const k of Object.keys(cache)) {
    if (k !== 'behavior' && k !== 'format' && k !== 'ttlMs')
      throw new ConfigError(`node "${name}": unknown cache option "${k}"`);
  }
  if (cache.ttlMs !== undefined) {
    if (typeof cache.ttlMs !== 'number' || !(cache.ttlMs > 0)) {
      throw new ConfigError(
        `node "${name}" cache.ttlMs: expected a positive number, got ${JSON.stringify(cache.ttlMs)}`,
      );
    }
    out.ttlMs = cache.ttlMs;
  }
  if (cache.behavior !== undefined)
    out.behavior = behaviorFromString(cache.behavior, `node "${name}" cache.behavior`);
  if (cache.format !== undefined) out.format = parseFormatName(cache.format, `node "${name}" cache.format`);
  return out;
}
