// How a position inside a value is written in error messages: a JavaScript-like access path from the
// root name, e.g. `model.params.onProgress`, `rows[3].cb`, `handlers.get("save")`.

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function propertySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function indexSegment(index: number): string {
  return `[${index}]`;
}

/** A Map value: `.get("key")` when the key is a primitive we can print, else by position. */
export function mapValueSegment(key: unknown, index: number): string {
  switch (typeof key) {
    case 'string':
      return `.get(${JSON.stringify(key)})`;
    case 'number':
    case 'boolean':
    case 'undefined':
      return `.get(${String(key)})`;
    case 'bigint':
      return `.get(${key}n)`;
    default:
      return key === null ? '.get(null)' : `.get(<key #${index}>)`;
  }
}

export function mapKeySegment(index: number): string {
  return `.keys()[${index}]`;
}

export function setItemSegment(index: number): string {
  return `.values()[${index}]`;
}
