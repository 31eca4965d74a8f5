import type { GatewayError } from '../../errors/catalog.js';
import type { Usage } from '../../request-context.js';
import { mapUsage } from '../../relay/extract-usage.js';
import { anthropicErrorBody } from '../../errors/render.js';
import { openaiErrorChunkToAnthropic } from './convert-errors.js';
import { convertOpenaiUsageToAnthropic } from './convert-openai-usage.js';
import { mapFinishReasonToAnthropic } from './map-stop-reason.js';
import { anthropicMessageId } from './message-id.js';
import { SseEventSplitter, sseEvent, type SseEvent } from '../../relay/sse-events.js';
import { isObject, type Json, type OpenaiUsage } from './types.js';

export interface OpenaiToAnthropicStreamOptions {
  /** The model name the client asked for (message_start carries it). */
  publicModel: string;
  /** Called with the usage when the upstream reports it (the last chunk, with include_usage). */
  onUsage(u: Usage): void;
  /** Called when the upstream reports an error in-band (`{"error":{…}}` in a chunk). */
  onErrorEvent?(): void;
}

type OpenBlock = { kind: 'text' | 'thinking' } | { kind: 'tool'; toolIndex: number };

interface ToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/**
 * OpenAI `chat.completion.chunk` SSE in, Anthropic Messages events out: message_start and a
 * ping first, then one content block at a time (text, thinking, tool_use with input_json_delta),
 * and at `[DONE]` (or the end of the stream) message_delta with the stop reason and the usage
 * of the trailing usage chunk, then message_stop. Stateful, but does no I/O.
 */
export class OpenaiToAnthropicStream {
  private readonly splitter = new SseEventSplitter();
  private started = false;
  private finished = false;
  private nextIndex = 0;
  private open: (OpenBlock & { index: number }) | null = null;
  /** OpenAI tool_calls index → Anthropic content block index. */
  private readonly toolBlocks = new Map<number, number>();
  private stopReason: string | null = null;
  private usage: OpenaiUsage | null = null;

  constructor(private readonly o: OpenaiToAnthropicStreamOptions) {}

  /** Upstream bytes in; Anthropic events to send now (null when none). */
  push(chunk: Uint8Array): string | null {
    return this.convert(this.splitter.push(chunk)) || null;
  }

  /** The upstream ended normally: the rest, and the closing events if `[DONE]` never came. */
  flush(): string | null {
    let out = this.convert(this.splitter.flush());
    if (!this.finished) out += this.finish();
    return out || null;
  }

  /** The upstream failed mid-stream: the rest of what arrived, then an Anthropic `error` event. */
  fail(err: GatewayError): string {
    const out = this.convert(this.splitter.flush());
    this.finished = true;
    return `${out}event: error\ndata: ${anthropicErrorBody(err)}\n\n`;
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
        continue; // not JSON: nothing a client of the other API could use
      }
      if (isObject(chunk)) out += this.chunk(chunk);
    }
    return out;
  }

  private start(id: unknown): string {
    this.started = true;
    const message = {
      id: anthropicMessageId(id),
      type: 'message',
      role: 'assistant',
      model: this.o.publicModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return sseEvent('message_start', { type: 'message_start', message }) + sseEvent('ping', { type: 'ping' });
  }

  private chunk(c: Json): string {
    if (isObject(c.error)) {
      this.finished = true;
      this.o.onErrorEvent?.();
      return openaiErrorChunkToAnthropic(c.error);
    }
    let out = this.started ? '' : this.start(c.id);
    if (isObject(c.usage)) {
      this.usage = c.usage;
      const u = mapUsage(c.usage);
      if (u) this.o.onUsage(u);
    }
    const choice = Array.isArray(c.choices) && isObject(c.choices[0]) ? c.choices[0] : null;
    if (!choice) return out;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === 'string' && reasoning) out += this.blockDelta({ kind: 'thinking' }, { type: 'thinking_delta', thinking: reasoning });
    if (typeof delta.content === 'string' && delta.content) out += this.blockDelta({ kind: 'text' }, { type: 'text_delta', text: delta.content });
    if (Array.isArray(delta.tool_calls)) for (const t of delta.tool_calls as ToolCallDelta[]) out += this.toolDelta(t);
    if (choice.finish_reason != null) this.stopReason = mapFinishReasonToAnthropic(choice.finish_reason);
    return out;
  }

  /** A delta for a text or thinking block: continue the open one or close it and open a new one. */
  private blockDelta(kind: { kind: 'text' | 'thinking' }, delta: Json): string {
    let out = '';
    if (this.open?.kind !== kind.kind) {
      out += this.closeBlock();
      const block = kind.kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
      out += this.openBlock(kind, block);
    }
    return out + sseEvent('content_block_delta', { type: 'content_block_delta', index: this.open!.index, delta });
  }

  private toolDelta(t: ToolCallDelta): string {
    const toolIndex = typeof t.index === 'number' ? t.index : 0;
    let out = '';
    let index = this.toolBlocks.get(toolIndex);
    if (index === undefined) {
      out += this.closeBlock();
      const id = t.id || `toolu_gw_${this.nextIndex}`;
      out += this.openBlock({ kind: 'tool', toolIndex }, { type: 'tool_use', id, name: t.function?.name ?? '', input: {} });
      index = this.open!.index;
      this.toolBlocks.set(toolIndex, index);
    }
    const args = t.function?.arguments;
    // Interleaved calls (rare) still reach the right block: clients accumulate by index.
    if (args) out += sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } });
    return out;
  }

  private openBlock(kind: OpenBlock, block: Json): string {
    const index = this.nextIndex++;
    this.open = { ...kind, index };
    return sseEvent('content_block_start', { type: 'content_block_start', index, content_block: block });
  }

  private closeBlock(): string {
    if (!this.open) return '';
    const index = this.open.index;
    this.open = null;
    return sseEvent('content_block_stop', { type: 'content_block_stop', index });
  }

  private finish(): string {
    this.finished = true;
    let out = this.started ? '' : this.start(undefined);
    out += this.closeBlock();
    let stop = this.stopReason ?? 'end_turn';
    if (stop === 'end_turn' && this.toolBlocks.size > 0) stop = 'tool_use'; // some servers say "stop" after a tool call
    const usage = convertOpenaiUsageToAnthropic(this.usage);
    out += sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage });
    return out + sseEvent('message_stop', { type: 'message_stop' });
  }
}
