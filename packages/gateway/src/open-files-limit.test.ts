import { describe, expect, it } from 'vitest';
import { parseOpenFilesLimit, readOpenFilesLimit, streamCapacity } from './open-files-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('open-files limit', () => {
  it('parses the line of /proc/<pid>/limits', () => {
    expect(parseOpenFilesLimit(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(parseOpenFilesLimit(LIMITS.replace('1024   ', 'unlimited'))).toEqual({ soft: Infinity, hard: 524288 });
    expect(parseOpenFilesLimit('Max cpu time unlimited unlimited seconds')).toBeNull();
  });
  it('counts two files per proxied stream', () => {
    expect(streamCapacity({ soft: 1024, hard: 1024 })).toBe(480);
    expect(streamCapacity({ soft: Infinity, hard: Infinity })).toBe(Infinity);
  });
  it('reads this process\'s limit on Linux', () => {
    const limit = readOpenFilesLimit();
    if (process.platform !== 'linux') return expect(limit).toBeNull();
    expect(limit!.soft).toBeGreaterThan(0);
    expect(limit!.hard).toBeGreaterThanOrEqual(limit!.soft);
  });
});
