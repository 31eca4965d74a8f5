import { describe, expect, it } from 'vitest';
import { multipartBoundary, readMultipartField, replaceMultipartField } from './multipart.js';

const boundary = '----x123';
const body = Buffer.concat([
  Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`),
  Buffer.from([0, 1, 2, 255, 13, 10]),
  Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--${boundary}--\r\n`),
]);

describe('multipart', () => {
  it('reads the model field past a binary file part', () => {
    expect(multipartBoundary(`multipart/form-data; boundary=${boundary}`)).toBe(boundary);
    expect(readMultipartField(body, boundary, 'model')).toBe('whisper-1');
    expect(readMultipartField(body, boundary, 'missing')).toBeNull();
  });
  it('replaces the model field and keeps the binary part intact', () => {
    const out = replaceMultipartField(body, boundary, 'model', 'upstream-whisper');
    expect(readMultipartField(out, boundary, 'model')).toBe('upstream-whisper');
    expect(out.includes(Buffer.from([0, 1, 2, 255, 13, 10]))).toBe(true);
    expect(out.length).toBe(body.length + 'upstream-whisper'.length - 'whisper-1'.length);
  });
});
