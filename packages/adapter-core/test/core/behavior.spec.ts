import { describe, expect, it } from 'vitest';
import { CachingBehavior, ConfigError, behaviorFromString } from '../../src/index.js';

describe('CachingBehavior.fromString', () => {
  it('parses case-insensitively', () => {
    expect(CachingBehavior.fromString('Recompute')).toBe('recompute');
    expect(behaviorFromString(' DISABLE ')).toBe('disable');
    expect(CachingBehavior.IGNORE).toBe('ignore');
  });
  it('rejects anything else with a ConfigError listing the choices', () => {
    expect(() => behaviorFromString('sometimes')).toThrow(ConfigError);
    expect(() => behaviorFromString('sometimes')).toThrow(/default, recompute, disable, ignore/);
    expect(() => behaviorFromString(3 as any)).toThrow(ConfigError);
  });
});
