import { describe, expect, it } from 'vitest';
import { mapGeminiFinishReason } from './map-finish-reason.js';

describe('mapGeminiFinishReason', () => {
  it('STOP is stop, or tool_calls when the candidate called a function', () => {
    expect(mapGeminiFinishReason('STOP', false)).toBe('stop');
    expect(mapGeminiFinishReason('STOP', true)).toBe('tool_calls');
  });

  it('MAX_TOKENS is length, with or without calls', () => {
    expect(mapGeminiFinishReason('MAX_TOKENS', false)).toBe('length');
    expect(mapGeminiFinishReason('MAX_TOKENS', true)).toBe('length');
  });

  it('safety, recitation, blocklist and prohibited-content cuts are content_filter', () => {
    for (const r of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION']) {
      expect(mapGeminiFinishReason(r, false), r).toBe('content_filter');
    }
  });

  it('anything else (MALFORMED_FUNCTION_CALL, OTHER, LANGUAGE, unknown, absent) ends as stop', () => {
    for (const r of ['MALFORMED_FUNCTION_CALL', 'OTHER', 'LANGUAGE', 'FINISH_REASON_UNSPECIFIED', 'SOMETHING_NEW', undefined, null, 3]) {
      expect(mapGeminiFinishReason(r, false), String(r)).toBe('stop');
    }
  });
});
