/**
 * Every error dagcache raises on purpose is a `DagcacheError`, so callers can tell our errors from the
 * ones their own node functions throw. Messages name the node, the option or the value path at fault.
 */
export class DagcacheError extends Error {
  override readonly name: string = 'DagcacheError';
}

/** Bad configuration: unknown behavior or format, a node in two behavior lists, an unknown node name. */
export class ConfigError extends DagcacheError {
  override readonly name = 'ConfigError';
}

/** A value that cannot be fingerprinted (a function, a socket, a stream…), with the path inside the value. */
export class UnhashableValueError extends DagcacheError {
  override readonly name = 'UnhashableValueError';
  constructor(
    message: string,
    /** Path inside the value, e.g. `model.params.onProgress` (root is the node or argument name). */
    readonly path: string,
    /** Name of the type that could not be fingerprinted, e.g. `Function`. */
    readonly typeName: string,
  ) {
    super(message);
  }
}

/** A stored result whose bytes do not match their checksum or cannot be decoded. Never served. */
export class CorruptResultError extends DagcacheError {
  override readonly name = 'CorruptResultError';
}

/** A value a result format cannot hold (raised before anything is written), or bytes it cannot read. */
export class FormatError extends DagcacheError {
  override readonly name = 'FormatError';
}

/** A node's own function threw; `cause` is the original error, `nodeName` names the node. */
export class NodeExecutionError extends DagcacheError {
  override readonly name = 'NodeExecutionError';
  constructor(
    readonly nodeName: string,
    readonly taskId: string | undefined,
    cause: unknown,
  ) {
    super(
      `node "${nodeName}"${taskId ? ` (task ${taskId})` : ''} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** An encoded result over the cache's `maxResultBytes`: refused before anything is written. */
export class ResultTooLargeError extends DagcacheError {
  override readonly name = 'ResultTooLargeError';
  constructor(
    readonly nodeName: string,
    readonly byteSize: number,
    readonly limit: number,
  ) {
    super(
      `result of node "${nodeName}" is ${byteSize} bytes encoded, over maxResultBytes (${limit}); raise maxResultBytes or give the node behavior "disable"`,
    );
  }
}

/**
 * A store (metadata, results or leases) that cannot be reached when the cache opens, or that fails or
 * stops answering later. Names the store (password redacted). Raised within `connectTimeoutMs`, never a
 * hang; with `onStoreUnavailable: 'disable'` the run goes on uncached instead.
 */
export class StoreUnavailableError extends DagcacheError {
  override readonly name = 'StoreUnavailableError';
}

/**
 * A cache's own SQLite file (metadata, result index, leases) that SQLite cannot read: garbage, a
 * truncated copy, a disk error. Names every damaged file and the way out (`dagcache repair`).
 */
export class DamagedCacheError extends DagcacheError {
  override readonly name = 'DamagedCacheError';
  constructor(
    message: string,
    /** Absolute paths of the damaged files. */
    readonly files: readonly string[],
  ) {
    super(message);
  }
}

/** A cache folder this process cannot write to (read-only mount, permissions). */
export class ReadOnlyCacheError extends DagcacheError {
  override readonly name = 'ReadOnlyCacheError';
}
