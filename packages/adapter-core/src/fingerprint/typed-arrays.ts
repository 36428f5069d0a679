import { endianness } from 'node:os';
import type { EncoderApi } from './encoder-api.js';
import { TAG_ARRAY_BUFFER, TAG_DATA_VIEW, TAG_SHARED_ARRAY_BUFFER, TAG_TYPED_ARRAY } from './tags.js';

// Element type codes are part of the encoding: Float64Array and Uint8Array over the same bytes differ.
// Buffer is a Uint8Array and hashes like one (a format round trip may give either back).
export const typedArrayCodes = new Map<object, number>([
  [Int8Array.prototype, 1],
  [Uint8Array.prototype, 2],
  [Uint8ClampedArray.prototype, 3],
  [Int16Array.prototype, 4],
  [Uint16Array.prototype, 5],
  [Int32Array.prototype, 6],
  [Uint32Array.prototype, 7],
  [Float32Array.prototype, 8],
  [Float64Array.prototype, 9],
  [BigInt64Array.prototype, 10],
  [BigUint64Array.prototype, 11],
]);

const codesByName = new Map<string, number>([
  ['Int8Array', 1],
  ['Uint8Array', 2],
  ['Uint8ClampedArray', 3],
  ['Int16Array', 4],
  ['Uint16Array', 5],
  ['Int32Array', 6],
  ['Uint32Array', 7],
  ['Float32Array', 8],
  ['Float64Array', 9],
  ['BigInt64Array', 10],
  ['BigUint64Array', 11],
]);

const bigEndian = endianness() === 'BE';

/**
 * Feeds a view's bytes in little-endian element order. Every platform Node ships for in practice is
 * little-endian, so this is the bytes as they are, with no copy; on a big-endian machine each element is
 * byte-swapped into a copy so versions still match across machines.
 */
export function writeElementBytes(enc: EncoderApi, view: NodeJS.ArrayBufferView, elementSize: number): void {
  if (!bigEndian || elementSize === 1) {
    enc.sink.bytes(view);
    return;
  }
  const copy = new Uint8Array(view.byteLength);
  copy.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const dv = new DataView(copy.buffer);
  for (let i = 0; i < copy.length; i += elementSize) {
    if (elementSize === 2) dv.setUint16(i, dv.getUint16(i, false), true);
    else if (elementSize === 4) dv.setUint32(i, dv.getUint32(i, false), true);
    else dv.setBigUint64(i, dv.getBigUint64(i, false), true);
  }
  enc.sink.bytes(copy);
}

/** Typed arrays: element type code, byte length, bytes. */
export function encodeTypedArray(
  value: NodeJS.TypedArray & { BYTES_PER_ELEMENT: number },
  enc: EncoderApi,
): void {
  const tagName = (value as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag];
  enc.sink.tagU32(TAG_TYPED_ARRAY, codesByName.get(tagName) ?? 0);
  enc.sink.f64(value.byteLength);
  writeElementBytes(enc, value, value.BYTES_PER_ELEMENT);
}

export function encodeArrayBuffer(value: ArrayBuffer, enc: EncoderApi): void {
  enc.sink.u8(TAG_ARRAY_BUFFER);
  enc.sink.f64(value.byteLength);
  enc.sink.bytes(new Uint8Array(value));
}

export function encodeSharedArrayBuffer(value: SharedArrayBuffer, enc: EncoderApi): void {
  enc.sink.u8(TAG_SHARED_ARRAY_BUFFER);
  enc.sink.f64(value.byteLength);
  enc.sink.bytes(new Uint8Array(value));
}

export function encodeDataView(value: DataView, enc: EncoderApi): void {
  enc.sink.u8(TAG_DATA_VIEW);
  enc.sink.f64(value.byteLength);
  enc.sink.bytes(value);
}
