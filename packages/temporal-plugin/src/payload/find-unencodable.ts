import type { PayloadConverter } from '@temporalio/common';

/**
 * Finds the deepest place inside `value` that the payload converter cannot encode, for an error message
 * that names it (`arg0.options.onProgress`). Walks plain objects and arrays only: anything else that fails
 * is itself the culprit. Returns `root` when no part fails on its own (e.g. a cycle).
 */
export function findUnencodable(converter: PayloadConverter, value: unknown, root: string): string {
  const seen = new Set<unknown>();
  const visit = (current: unknown, path: string): string => {
    if (typeof current !== 'object' || current === null || seen.has(current)) return path;
    const proto = Object.getPrototypeOf(current) as unknown;
    if (!Array.isArray(current) && proto !== Object.prototype && proto !== null) return path;
    seen.add(current);
    const entries = Array.isArray(current)
      ? current.map((v, i) => [`${path}[${i}]`, v] as const)
      : Object.entries(current).map(([k, v]) => [`${path}.${k}`, v] as const);
    for (const [childPath, child] of entries) {
      if (typeof child === 'function' || typeof child === 'symbol') return childPath;
      if (!encodes(converter, child)) return visit(child, childPath);
    }
    return path;
  };
  return visit(value, root);
}

function encodes(converter: PayloadConverter, value: unknown): boolean {
  try {
    return converter.toPayload(value) != null;
  } catch {
    return false;
  }
}
