import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { collectList, parseExpires, parseHeader, parseInteger, parseNumber } from './parse.js';

describe('option parsers', () => {
  const now = new Date('2030-01-01T00:00:00Z');

  it('expires: durations from now and ISO dates, never the past', () => {
    expect(parseExpires('30d', now)).toBe('2030-01-31T00:00:00.000Z');
    expect(parseExpires('12h', now)).toBe('2030-01-01T12:00:00.000Z');
    expect(parseExpires('90m', now)).toBe('2030-01-01T01:30:00.000Z');
    expect(parseExpires('2w', now)).toBe('2030-01-15T00:00:00.000Z');
    expect(parseExpires('2030-06-01', now)).toBe('2030-06-01T00:00:00.000Z');
    expect(parseExpires('2030-06-01T10:00:00+02:00', now)).toBe('2030-06-01T08:00:00.000Z');
    expect(() => parseExpires('2029-12-31', now)).toThrow(/in the past/);
    expect(() => parseExpires('soon', now)).toThrow(/neither an ISO date/);
    expect(() => parseExpires('30y', now)).toThrow(/neither an ISO date/);
  });

  it('numbers, lists and headers', () => {
    expect(parseInteger('-3')).toBe(-3);
    expect(() => parseInteger('1.5')).toThrow(InvalidArgumentError);
    expect(parseNumber('0.25')).toBe(0.25);
    expect(() => parseNumber('x')).toThrow(InvalidArgumentError);
    expect(collectList(' a, b,,c ', ['z'])).toEqual(['z', 'a', 'b', 'c']);
    expect(parseHeader('X-A:  v: w ')).toEqual(['X-A', 'v: w']);
    expect(() => parseHeader('novalue')).toThrow(InvalidArgumentError);
  });
});
