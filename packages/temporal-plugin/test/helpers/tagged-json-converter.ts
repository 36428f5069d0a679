import {
  CompositePayloadConverter,
  UndefinedPayloadConverter,
  type Payload,
  type PayloadConverterWithEncoding,
} from '@temporalio/common';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A payload converter that, unlike Temporal's JSON one, round-trips `Date`, `Map` and `bigint`: the kind of
 * custom converter users plug in. Values carry a tag so decoding gives back the same types.
 */
class TaggedJsonConverter implements PayloadConverterWithEncoding {
  readonly encodingType = 'json/dagcache-tagged';

  toPayload(value: unknown): Payload | undefined {
    if (value === undefined) return undefined;
    const json = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const original = this[key];
      if (original instanceof Date) return { $date: original.toISOString() };
      if (original instanceof Map) return { $map: [...original.entries()] };
      if (typeof original === 'bigint') return { $bigint: original.toString() };
      return v;
    });
    return { metadata: { encoding: encoder.encode(this.encodingType) }, data: encoder.encode(json) };
  }

  fromPayload<T>(payload: Payload): T {
    return JSON.parse(decoder.decode(payload.data ?? new Uint8Array()), (_key, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (typeof o.$date === 'string') return new Date(o.$date);
        if (Array.isArray(o.$map)) return new Map(o.$map as [unknown, unknown][]);
        if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
      }
      return v;
    }) as T;
  }
}

/** The converter a worker would name with `dataConverter.payloadConverterPath` (this module's path). */
export const payloadConverter = new CompositePayloadConverter(
  new UndefinedPayloadConverter(),
  new TaggedJsonConverter(),
);
