// One byte in front of every encoded value says what it is. This is what keeps 1 ≠ "1", [] ≠ {} and
// bytes ≠ string. The numbers are part of the encoding: changing one changes every data version, so
// only ever add new tags (and bump FORMAT_HEADER when the encoding changes on purpose).

/** Fed first into every fingerprint so a deliberate encoding change can never collide with an old one. */
export const FORMAT_HEADER = 'dagcache-fingerprint-v1';

export const TAG_UNDEFINED = 0x01;
export const TAG_NULL = 0x02;
export const TAG_FALSE = 0x03;
export const TAG_TRUE = 0x04;
export const TAG_NUMBER = 0x05;
export const TAG_BIGINT = 0x06;
export const TAG_STRING = 0x07;
/** A string with lone surrogates, hashed as UTF-16 code units because UTF-8 cannot hold it exactly. */
export const TAG_STRING_UTF16 = 0x08;

export const TAG_ARRAY = 0x10;
export const TAG_HOLE = 0x11;
export const TAG_OBJECT = 0x12;
export const TAG_INSTANCE = 0x13;
export const TAG_MAP = 0x14;
export const TAG_SET = 0x15;
export const TAG_BACKREF = 0x16;
export const TAG_CUSTOM = 0x17;
export const TAG_ERROR = 0x18;
/** A Map whose keys are all strings or all numbers: entries in key order. */
export const TAG_MAP_SORTED = 0x19;
/** A Set of only strings or only numbers: the items in order. */
export const TAG_SET_SORTED = 0x1a;
/** A built-in subclass, or a built-in with own enumerable properties: class name, the properties, the built-in. */
export const TAG_BUILTIN_EXTRA = 0x1b;
/** A run of more than HOLE_RUN_MIN holes in an array: the run length instead of one TAG_HOLE per hole. */
export const TAG_HOLE_RUN = 0x1c;
/** Follows the header when a value is too large to encode inline: every object is then its digest. */
export const TAG_MERKLE = 0x1d;
/** An object encoded by its own digest (in the Merkle encoding). */
export const TAG_DIGEST = 0x1e;

export const TAG_DATE = 0x20;
export const TAG_REGEXP = 0x21;
export const TAG_URL = 0x22;
export const TAG_URL_SEARCH_PARAMS = 0x23;
export const TAG_BOXED = 0x24;

export const TAG_TYPED_ARRAY = 0x30;
export const TAG_ARRAY_BUFFER = 0x31;
export const TAG_SHARED_ARRAY_BUFFER = 0x32;
export const TAG_DATA_VIEW = 0x33;

export const TAG_ARROW_TABLE = 0x40;
export const TAG_ARROW_BATCH = 0x41;
export const TAG_ARROW_VECTOR = 0x42;
