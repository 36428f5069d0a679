import { deserialize, serialize } from 'node:v8';
import { FormatError } from '../errors.js';
import { ownBytes } from './file.js';
import { pickleProblem } from './pickle-check.js';
import type { ResultFormat } from './result-format.js';

/** Larger raw results are written straight from the caller's memory (see encode). */
const RAW_SHARE_MIN = 256 * 1024;

/**
 * Hamilton's `pickle`, done safely: Node's structured serialization (`node:v8`). It keeps Map, Set,
 * Date, RegExp, bigint, typed arrays, -0 and cycles, and loading it can never run code. What it would
 * give back changed — class instances, subclasses of built-ins, own fields on built-ins — is refused at
 * write time with a FormatError naming the node and the path (a hit must be what was computed).
 */
export const pickleFormat: ResultFormat = {
  name: 'pickle',
  extension: 'v8',
  async encode(value, ctx) {
    // Raw bytes are stored as they are: no serialization copy, so a 2 GiB+ Buffer is held once (v8
    // serialization would copy it, and cannot take more than 2 GiB anyway). Small ones are copied so a
    // caller mutating its Buffer later cannot change the cached bytes.
    if (value instanceof Uint8Array && (value.constructor === Uint8Array || Buffer.isBuffer(value))) {
      const kind = Buffer.isBuffer(value) ? 'buffer' : 'uint8array';
      return { bytes: value.byteLength > RAW_SHARE_MIN ? value : new Uint8Array(value), meta: { raw: kind } };
    }
    const refused = pickleProblem(value, ctx.nodeName);
    if (refused) {
      throw new FormatError(
        `pickle format cannot store the result of node "${ctx.nodeName}": at ${refused.path}, ${refused.problem}; ` +
          'store plain data (or choose a format made for it, e.g. feather for Arrow tables)',
      );
    }
    try {
      return { bytes: serialize(value) };
    } catch (err) {
      throw new FormatError(
        `pickle format (node:v8 serialization) cannot store the result of node "${ctx.nodeName}": ${(err as Error).message}`,
      );
    }
  },
  async decode(bytes, meta) {
    if (meta.raw === 'buffer' || meta.raw === 'uint8array') return ownBytes(bytes, meta.raw === 'buffer');
    return deserialize(bytes);
  },
};
