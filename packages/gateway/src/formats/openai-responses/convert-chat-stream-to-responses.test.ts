import { describe, expect, it } from 'vitest';
import { Errors } from '../../errors/catalog.js';
import type { Usage } from '../../request-context.js';
import { feed, fixture, parseEvents } from '../anthropic-messages/__fixtures__/fixtures.js';
import { ChatToResponsesStream } from './convert-chat-stream-to-responses.js';

function run(name: string, request: Record<string, unknown> | null = null) {
  const usages: Usage[] = [];
  const t = new ChatToResponsesStream({ publicModel: 'pub', request, onUsage: (u) => usages.push(u) });
  const events = parseEvents(feed(t, fixture(name)));
  return { events, usages };
}

describe('chat completion chunks → Responses API events', () => {
  it('text: created, in_progress, one message item with its deltas, completed with the whole response and usage', () => {
    const { events, usages } = run('openai-chat-text.sse', { instructions: 'be nice', store: false });
    const types = events.map((e) => e.event);
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    // every event carries its type and a sequence number counting from 0
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    for (const e of events) expect(e.data.type).toBe(e.event);
    const text = events.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data.delta).join('');
    const done = events.at(-1)!.data.response;
    expect(done).toMatchObject({ object: 'response', status: 'completed', model: 'pub', instructions: 'be nice', store: false });
    expect(done.id).toMatch(/^resp_/);
    expect(done.output).toEqual([{ type: 'message', id: expect.stringMatching(/^msg_/), status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }]);
    expect(text.length).toBeGreaterThan(0);
    expect(done.usage).toMatchObject({ input_tokens: usages[0]!.promptTokens, output_tokens: usages[0]!.completionTokens });
    expect(events[0]!.data.response.id).toBe(done.id);
  });

  it('tool calls: one function_call item per call, arguments streamed, names and call ids kept', () => {
    const { events } = run('openai-chat-tool-calls.sse');
    const done = events.at(-1)!.data.response;
    const calls = done.output.filter((o: { type: string }) => o.type === 'function_call');
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(c.id).toMatch(/^fc_/);
      expect(c.call_id).toBeTruthy();
      expect(() => JSON.parse(c.arguments)).not.toThrow();
      const deltas = events.filter((e) => e.event === 'response.function_call_arguments.delta' && e.data.item_id === c.id).map((e) => e.data.delta).join('');
      expect(deltas).toBe(c.arguments);
    }
  });

  it('reasoning_content becomes a reasoning item with summary text, before the message', () => {
    const { events } = run('openai-chat-reasoning.sse');
    const done = events.at(-1)!.data.response;
    expect(done.output.map((o: { type: string }) => o.type)).toEqual(['reasoning', 'message']);
    expect(done.output[0].summary[0].text.length).toBeGreaterThan(0);
    expect(events.some((e) => e.event === 'response.reasoning_summary_text.delta')).toBe(true);
  });

  it('a length finish is response.incomplete; an in-band error is an error event; a failure ends with an error event', () => {
    const chunk = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
    const cut = new ChatToResponsesStream({ publicModel: 'm', request: null, onUsage: () => {} });
    const out = parseEvents(feed(cut, chunk({ choices: [{ index: 0, delta: { content: 'abc' }, finish_reason: 'length' }] }) + 'data: [DONE]\n\n'));
    expect(out.at(-1)).toMatchObject({ event: 'response.incomplete', data: { response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } } });

    let errorEvents = 0;
    const bad = new ChatToResponsesStream({ publicModel: 'm', request: null, onUsage: () => {}, onErrorEvent: () => errorEvents++ });
    const e = parseEvents(feed(bad, chunk({ error: { message: 'overloaded', code: 'server_error' } })));
    expect(e).toEqual([{ event: 'error', data: { type: 'error', sequence_number: 0, code: 'server_error', message: 'overloaded', param: null } }]);
    expect(errorEvents).toBe(1);

    const failing = new ChatToResponsesStream({ publicModel: 'm', request: null, onUsage: () => {} });
    failing.push(Buffer.from(chunk({ choices: [{ index: 0, delta: { content: 'x' } }] })));
    const end = parseEvents(failing.fail(Errors.upstreamTimeout('p', 'idle')));
    expect(end.at(-1)).toMatchObject({ event: 'error', data: { type: 'error', code: 'upstream_timeout' } });
  });
});
