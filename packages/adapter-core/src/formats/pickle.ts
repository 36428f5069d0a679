import { deserialize, serialize } from 'node:v8';
import { FormatError } from '../errors.js';
import type { ResultFormat } from './result-format.js';

/**
 * Hamilton's `pickle`, done safely: Node's structured serialization (`node:v8`). It keeps Map, Set,
 * Date, RegExp, bigint, typed arrays, -0 and cycles, and loading it can never run code. Functions,
 * symbols and class identity cannot be stored (class instances come back as plain objects).
 */
export const pickleFormat: ResultFormat = {
  name: 'pickle',
  extension: 'v8',
  async encode(value, ctx) {
    try {
      return { bytes: serialize(value) };
    } catch (err) {
      throw new FormatError(
        `pickle format (node:v8 serialization) cannot store the result of node "${ctx.nodeName}": ${(err as Error).message}`,
      );
    }
  },
  async decode(bytes) {
    return deserialize(bytes);
  },
};
