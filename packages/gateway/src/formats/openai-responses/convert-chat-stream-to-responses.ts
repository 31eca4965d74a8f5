import type { GatewayError } from '../../errors/catalog.js';
import { responsesErrorEvent } from '../../errors/render.js';
import { mapUsage } from '../../relay/extract-usage.js';
import { SseEventSplitter, sseEvent, type SseEvent } from '../../relay/sse-events.js';
import type { Usage } from '../../request-context.js';
import { buildResponse, convertChatUsage, functionCallItem, mapFinishReason, messageItem, reasoningItem } from './build-response.js';
import { isObject, newId, str, type Json, type ResponseItem } from './types.js';

export interface ChatToResponsesStreamOptions {
  publicModel: string;
  /** The client's request (echoed in the response objects); null when unknown. */
  request: Json | null;
  /** Called with the usage of the trailing usage chunk (when this relay is the one reading usage). */
  onUsage(u: Usage): void;
  /** The upstream reported an error in-band. */
  onErrorEvent?(): void;
}

/** The output item being streamed. */
type Open =
  | { kind: 'message'; id: string; index: number; text: string }
  | { kind: 'reasoning'; id: string; index: number; text: string }
  | { kind: 'call'; id: string; index: number; toolIndex: number; callId: string; name: string; args: string };

interface ToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/**
 * OpenAI `chat.completion.chunk` SSE in, Responses API events out: `response.created` and
 * `response.in_progress` first; one output item at a time (reasoning summary text, a message's
 * output text, each function call's arguments) with its added/delta/done events; at `[DONE]`
 * (or the end of the stream) `response.completed` (`response.incomplete` when cut by a length
 * or content filter) carrying the whole response and its usage. Every event has a
 * `sequence_number`. Stateful, but does no I/O.
 */
export class ChatToResponsesStream {
  private readonly splitter = new SseEventSplitter();
  private readonly id = newId('resp_');
  private readonly createdAt = Math.floor(Date.now() / 1000);
  private seq = 0;
  private started = false;
  private finished = false;
  private open: Open | null = null;
  private readonly output: ResponseItem[] = [];
  private finishReason: unknown = null;
  private usage: Json | null = null;

  constructor(private readonly o: ChatToResponsesStreamOptions) {}

  push(chunk: Uint8Array): string | null {
    return this.convert(this.splitter.push(chunk)) || null;
  }

  flush(): string | null {
    let out = this.convert(this.splitter.flush());
    if (!this.finished) out += this.finish();
    return out || null;
  }

  /** The upstream failed mid-stream: what arrived, then an `error` event (the SDK raises it). */
  fail(err: GatewayError): string {
    const out = this.convert(this.splitter.flush());
    this.finished = true;
    return out + responsesErrorEvent(err, this.seq++);
  }

  private event(type: string, fields: Json): string {
    return sseEvent(type, { type, sequence_number: this.seq++, ...fields });
  }

  private response(status: 'in_progress' | 'completed' | 'incomplete', incomplete: Json | null = null): Json {
    return buildResponse(
      { id: this.id, createdAt: this.createdAt, model: this.o.publicModel, status, output: status === 'in_progress' ? [] : this.output, usage: status === 'in_progress' ? null : this.usage, incompleteDetails: incomplete },
      this.o.request,
    );
  }

  private convert(events: SseEvent[]): string {
    let out = '';
    for (const ev of events) {
      if (this.finished) break;
      if (ev.data === '[DONE]') {
        out += this.finish();
        continue;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(ev.data);
      } catch {
        continue;
      }
      if (isObject(chunk)) out += this.chunk(chunk);
    }
    return out;
  }

  private start(): string {
    this.started = true;
    return this.event('response.created', { response: this.response('in_progress') }) + this.event('response.in_progress', { response: this.response('in_progress') });
  }

  private chunk(c: Json): string {
    if (isObject(c.error)) {
      this.finished = true;
      this.o.onErrorEvent?.();
      const e = c.error;
      return this.event('error', { code: e.code ?? e.type ?? null, message: str(e.message, 'upstream error'), param: e.param ?? null });
    }
    let out = this.started ? '' : this.start();
    if (isObject(c.usage)) {
      this.usage = convertChatUsage(c.usage);
      const u = mapUsage(c.usage);
      if (u) this.o.onUsage(u);
    }
    const choice = Array.isArray(c.choices) && isObject(c.choices[0]) ? c.choices[0] : null;
    if (!choice) return out;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === 'string' && reasoning) out += this.textDelta('reasoning', reasoning);
    if (typeof delta.content === 'string' && delta.content) out += this.textDelta('message', delta.content);
    if (Array.isArray(delta.tool_calls)) for (const t of delta.tool_calls as ToolCallDelta[]) out += this.toolDelta(t);
    if (choice.finish_reason != null) this.finishReason = choice.finish_reason;
    return out;
  }

  private textDelta(kind: 'message' | 'reasoning', text: string): string {
    let out = '';
    if (this.open?.kind !== kind) {
      out += this.close();
      const index = this.output.length;
      const open: Open = { kind, id: newId(kind === 'message' ? 'msg_' : 'rs_'), index, text: '' };
      this.open = open;
      this.output.push({ type: 'placeholder' });
      if (kind === 'message') {
        out += this.event('response.output_item.added', { output_index: index, item: { type: 'message', id: open.id, status: 'in_progress', role: 'assistant', content: [] } });
        out += this.event('response.content_part.added', { item_id: open.id, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      } else {
        out += this.event('response.output_item.added', { output_index: index, item: { type: 'reasoning', id: open.id, summary: [] } });
        out += this.event('response.reasoning_summary_part.added', { item_id: open.id, output_index: index, summary_index: 0, part: { type: 'summary_text', text: '' } });
      }
    }
    const open = this.open as Extract<Open, { kind: 'message' | 'reasoning' }>;
    open.text += text;
    if (kind === 'message') return out + this.event('response.output_text.delta', { item_id: open.id, output_index: open.index, content_index: 0, delta: text, logprobs: [] });
    return out + this.event('response.reasoning_summary_text.delta', { item_id: open.id, output_index: open.index, summary_index: 0, delta: text });
  }

  private toolDelta(t: ToolCallDelta): string {
    const toolIndex = typeof t.index === 'number' ? t.index : 0;
    let out = '';
    if (this.open?.kind !== 'call' || this.open.toolIndex !== toolIndex) {
      out += this.close();
      const index = this.output.length;
      const open: Open = { kind: 'call', id: newId('fc_'), index, toolIndex, callId: t.id || newId('call_'), name: t.function?.name ?? '', args: '' };
      this.open = open;
      this.output.push({ type: 'placeholder' });
      out += this.event('response.output_item.added', { output_index: index, item: functionCallItem(open.id, open.callId, open.name, '', 'in_progress') });
    }
    const open = this.open;
    const args = t.function?.arguments;
    if (args) {
      open.args += args;
      out += this.event('response.function_call_arguments.delta', { item_id: open.id, output_index: open.index, delta: args });
    }
    return out;
  }

  private close(): string {
    const open = this.open;
    if (!open) return '';
    this.open = null;
    let out = '';
    let item: ResponseItem;
    if (open.kind === 'message') {
      item = messageItem(open.id, open.text);
      const part = { type: 'output_text', text: open.text, annotations: [] };
      out += this.event('response.output_text.done', { item_id: open.id, output_index: open.index, content_index: 0, text: open.text, logprobs: [] });
      out += this.event('response.content_part.done', { item_id: open.id, output_index: open.index, content_index: 0, part });
    } else if (open.kind === 'reasoning') {
      item = reasoningItem(open.id, open.text);
      out += this.event('response.reasoning_summary_text.done', { item_id: open.id, output_index: open.index, summary_index: 0, text: open.text });
      out += this.event('response.reasoning_summary_part.done', { item_id: open.id, output_index: open.index, summary_index: 0, part: { type: 'summary_text', text: open.text } });
    } else {
      item = functionCallItem(open.id, open.callId, open.name, open.args);
      out += this.event('response.function_call_arguments.done', { item_id: open.id, output_index: open.index, name: open.name, arguments: open.args });
    }
    this.output[open.index] = item;
    return out + this.event('response.output_item.done', { output_index: open.index, item });
  }

  private finish(): string {
    this.finished = true;
    let out = this.started ? '' : this.start();
    out += this.close();
    const { status, incomplete_details } = mapFinishReason(this.finishReason);
    return out + this.event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response: this.response(status, incomplete_details) });
  }
}
