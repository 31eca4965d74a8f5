import { describe, expect, it } from 'vitest';
import { Errors } from '../../errors/catalog.js';
import { anthropicErrorBody, renderErrorBody, streamErrorEvent } from '../../errors/render.js';
import { convertAnthropicErrorToOpenai, convertOpenaiErrorToAnthropic } from './convert-errors.js';
import { mapFinishReasonToAnthropic, mapStopReasonToOpenai } from './map-stop-reason.js';

describe('anthropic errors', () => {
  it.each([
    [Errors.invalidJson('x'), 'invalid_request_error'],
    [Errors.invalidKey(), 'authentication_error'],
    [Errors.modelNotAllowed('m'), 'permission_error'],
    [Errors.modelNotFound('m'), 'not_found_error'],
    [Errors.bodyTooLarge(10), 'request_too_large'],
    [Errors.internal(), 'api_error'],
    [Errors.upstreamConnect('p'), 'api_error'],
    [Errors.noTarget('m'), 'overloaded_error'],
    [Errors.upstreamTimeout('p', 'x'), 'timeout_error'],
  ])('renders %s as %s', (err, type) => {
    expect(JSON.parse(anthropicErrorBody(err))).toEqual({ type: 'error', error: { type, message: err.message } });
  });

  it('renders by format', () => {
    const err = Errors.invalidKey();
    expect(JSON.parse(renderErrorBody('openai', err)).error.code).toBe('invalid_api_key');
    expect(JSON.parse(renderErrorBody(undefined, err)).error.code).toBe('invalid_api_key');
    expect(JSON.parse(renderErrorBody('anthropic', err)).error.type).toBe('authentication_error');
    expect(streamErrorEvent('anthropic', err)).toMatch(/^event: error\ndata: \{"type":"error"/);
    expect(streamErrorEvent('openai', err)).toMatch(/^data: \{"error":/);
  });

  it('converts upstream error bodies both ways, and text that is not JSON', () => {
    expect(JSON.parse(convertOpenaiErrorToAnthropic(429, '{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}'))).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Rate limit reached' },
    });
    expect(JSON.parse(convertOpenaiErrorToAnthropic(502, '<html>bad gateway</html>'))).toEqual({ type: 'error', error: { type: 'api_error', message: '<html>bad gateway</html>' } });
    expect(JSON.parse(convertAnthropicErrorToOpenai(529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'))).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    });
    expect(JSON.parse(convertAnthropicErrorToOpenai(400, ''))).toEqual({
      error: { message: 'The upstream provider answered 400.', type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
    });
  });
});

describe('stop reasons', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['something_new', 'stop'],
  ])('%s → %s', (a, o) => expect(mapStopReasonToOpenai(a)).toBe(o));
  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
  ])('%s → %s', (o, a) => expect(mapFinishReasonToAnthropic(o)).toBe(a));
  it('null stays null', () => {
    expect(mapStopReasonToOpenai(null)).toBeNull();
    expect(mapFinishReasonToAnthropic(undefined)).toBeNull();
  });
});
