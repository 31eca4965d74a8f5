import { describe, expect, it } from 'vitest';
import { cgroupCpuLimit, resolveWorkerCount } from './worker-count.js';

const file = (text: string) => () => text;
const missing = () => {
  throw new Error('ENOENT');
};

describe('cgroupCpuLimit', () => {
  it('reads a quota in cores, rounded up', () => {
    expect(cgroupCpuLimit(file('200000 100000\n'))).toBe(2);
    expect(cgroupCpuLimit(file('150000 100000\n'))).toBe(2);
    expect(cgroupCpuLimit(file('50000 100000\n'))).toBe(1);
  });
  it('is null without a quota, without the file, or on a value it cannot read', () => {
    expect(cgroupCpuLimit(file('max 100000\n'))).toBeNull();
    expect(cgroupCpuLimit(missing)).toBeNull();
    expect(cgroupCpuLimit(file('garbage'))).toBeNull();
    expect(cgroupCpuLimit(file('0 100000'))).toBeNull();
  });
});

describe('resolveWorkerCount', () => {
  it('takes a number as given', () => {
    expect(resolveWorkerCount(3, 8, 2)).toBe(3);
  });
  it('auto: the cores, bounded by the quota', () => {
    expect(resolveWorkerCount('auto', 8, null)).toBe(8);
    expect(resolveWorkerCount('auto', 8, 2)).toBe(2);
    expect(resolveWorkerCount('auto', 2, 4)).toBe(2);
    expect(resolveWorkerCount('auto', 0, null)).toBe(1);
  });
});
