import { describe, expect, it } from 'vitest';
import { readStartup, testHooksOn } from '../../src/app/url.ts';

describe('start-up options from the URL', () => {
  it('ignores fault hooks unless a test switched them on, so no link can crash a visitor’s Worker', () => {
    expect(readStartup('?fault=worker-crash&faultAt=5').fault).toBeUndefined();
    expect(readStartup('?fault=worker-crash&faultAt=5', true).fault).toEqual({ kind: 'worker-crash', at: 5 });
  });

  it('reads the switch from storage, and treats blocked storage as off', () => {
    expect(testHooksOn({ getItem: (k) => (k === 'ganvas:test-hooks' ? '1' : null) })).toBe(true);
    expect(testHooksOn({ getItem: () => 'yes' })).toBe(false);
    expect(testHooksOn(undefined)).toBe(false);
    expect(
      testHooksOn({
        getItem: () => {
          throw new DOMException('blocked', 'SecurityError');
        },
      }),
    ).toBe(false);
  });
});

describe('?threads=', () => {
  it('takes a thread count from 1 to 16, and says so when the value is not one', () => {
    expect(readStartup('?threads=2').threads).toBe(2);
    expect(readStartup('').threads).toBeUndefined();
    for (const bad of ['0', '17', '2.5', 'many']) {
      const s = readStartup(`?threads=${bad}`);
      expect(s.threads).toBeUndefined();
      expect(s.issues).toContainEqual(expect.objectContaining({ key: 'url.badThreads', vars: { value: bad } }));
    }
  });
});
