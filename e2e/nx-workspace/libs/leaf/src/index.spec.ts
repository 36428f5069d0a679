// Not part of the build (excluded by the `production` named input and tsconfig.lib.json).
import { clamp } from './index.js';
if (clamp(5, 0, 3) !== 3) throw new Error('clamp');
