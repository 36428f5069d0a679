export { fingerprint, type FingerprintOptions } from './fingerprint.js';
export {
  FingerprintRegistry,
  defaultRegistry,
  registerFingerprint,
  fingerprintSymbol,
  type FingerprintHandler,
  type Constructor,
} from './registry.js';
export { sha256Base64Url, hashString } from './sha256.js';
