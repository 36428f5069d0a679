import type { Payload, PayloadConverter } from '@temporalio/common';

/**
 * A Temporal `Payload` as dagcache stores and fingerprints it: plain `Uint8Array`s only (no `Buffer`, no
 * protobuf message class), so the same bytes always give the same fingerprint and survive any result format.
 */
export interface StoredPayload {
  metadata: Record<string, Uint8Array>;
  data: Uint8Array;
}

/** Views bytes as a plain `Uint8Array` (Buffer and Uint8Array would fingerprint differently). */
function plainBytes(bytes: Uint8Array | null | undefined): Uint8Array {
  if (!bytes) return new Uint8Array(0);
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Normalises a converter's `Payload` into a {@link StoredPayload}. */
export function toStoredPayload(payload: Payload): StoredPayload {
  const metadata: Record<string, Uint8Array> = {};
  for (const key of Object.keys(payload.metadata ?? {}).sort()) {
    metadata[key] = plainBytes(payload.metadata?.[key]);
  }
  return { metadata, data: plainBytes(payload.data) };
}

/**
 * Encodes a value with the worker's payload converter. Without a serialization context on purpose: a
 * context-aware converter could otherwise fold the activity id or workflow id into the bytes, and then
 * every call would be a miss.
 */
export function encodeValue(converter: PayloadConverter, value: unknown): StoredPayload {
  const payload = converter.toPayload(value);
  // Custom converters written against the older contract may return undefined instead of throwing.
  if (payload == null) throw new TypeError('the payload converter returned no payload');
  return toStoredPayload(payload);
}

/** Decodes a stored payload with the worker's payload converter. */
export function decodeValue(converter: PayloadConverter, stored: StoredPayload): unknown {
  return converter.fromPayload({ metadata: stored.metadata, data: stored.data });
}

/** Tells a stored payload from anything else a (corrupt or foreign) store entry could hold. */
export function isStoredPayload(value: unknown): value is StoredPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<StoredPayload>;
  return v.data instanceof Uint8Array && typeof v.metadata === 'object' && v.metadata !== null;
}
