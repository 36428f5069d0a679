// The option types live in a real module so that they ship in dist/ (tsc does not copy .d.ts files).
export type { InitGeneratorSchema } from './options.js';
