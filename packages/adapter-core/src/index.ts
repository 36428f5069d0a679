export * from './errors.js';
export * from './behavior/caching-behavior.js';
export * from './events/caching-event.js';
export * from './formats/result-format.js';
export type * from './cache/types.js';
