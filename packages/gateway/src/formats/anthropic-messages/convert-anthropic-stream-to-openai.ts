import type { GatewayError } from '../../errors/catalog.js';
import { errorBody } from '../../errors/render.js';
import type { Usage } from '../../request-context.js';
import { mapUsage } from '../../relay/extract-usage.js';
import { anthropicErrorEventToOpenai } from './convert-errors.js';
import { convertAnthropicUsageToOpenai } from './convert-openai-usage.js';
import { mapStopReasonToOpenai } from './map-stop-reason.js';
import { SseEventSplitter, sseData, type SseEvent } from '../../relay/sse-events.js';
import { isObject, type AnthropicUsage, type Json } from './types.js';

export interface AnthropicToOpenaiStreamOptions {
  /** The model name the client asked for (every chunk carries it). */
  publicModel: string;
  /** The client asked for `stream_options.include_usage`: send the usage chunk (`choices: []`). */
  includeUsage: boolean;
  onUsage(u: Usage): void;
  /** Called when the upstream sends an `error` event. */
  onErrorEvent?(): void;
  /** Unix seconds for `created` (default: now). */
  created?: number;
}

/** Usage fields that message_start and message_delta report as running totals. */
const USAGE_FIELDS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;

/**
 * Anthropic Messages SSE in, OpenAI `chat.completion.chunk` SSE out: a role chunk at
 * message_start, content/tool_calls/reasoning_content deltas, a finish_reason chunk at
 * message_delta, and at message_stop the usage chunk (when asked for) and `[DONE]`.
 */
export class AnthropicToOpenaiStream {
  private readonly splitter = new SseEventSplitter();
  private readonly created: number;
  private id = 'chatcmpl-gateway';
  private started = false;
  private finished = false;
  private finishSent = false;
  /** Anthropic content block index → OpenAI tool_calls index. */
  private readonly toolIndex = new Map<number, number>();
  private readonly usage: Partial<AnthropicUsage> = {};

  constructor(private readonly o: AnthropicToOpenaiStreamOptions) {
    this.created = o.created ?? Math.floor(Date.now() / 1000);
  }

  push(chunk: Uint8Array): string | null {
    return this.convert(this.splitter.push(chunk)) || null;
  }

  /** The upstream ended normally: the rest, and a finish and `[DONE]` if message_stop never came. */
  flush(): string | null {
    let out = this.convert(this.splitter.flush());
    if (!this.finished) out += this.finish('stop');
    return out || null;
  }

  /** The upstream failed mid-stream: the rest of what arrived, then an OpenAI error chunk. */
  fail(err: GatewayError): string {
    const out = this.convert(this.splitter.flush());
    this.finished = true;
    return `${out}data: ${errorBody(err)}\n\n`;
  }

  private convert(events: SseEvent[]): string {
    let out = '';
    for (const ev of events) {
      if (this.finished) break;
      let data: unknown;
      try {
        data = JSON.parse(ev.data);
      } catch {
        continue;
      }
      if (isObject(data)) out += this.event(typeof data.type === 'string' ? data.type : (ev.event ?? ''), data, ev.data);
    }
    return out;
  }

  private chunk(delta: Json, finishReason: string | null = null): string {
    return sseData({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.o.publicModel,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
  }

  private addUsage(u: unknown): void {
    if (!isObject(u)) return;
    for (const k of USAGE_FIELDS) if (typeof u[k] === 'number') this.usage[k] = u[k];
    const mapped = mapUsage(this.usage);
    if (mapped) this.o.onUsage(mapped);
  }

  private event(type: string, e: Json, raw: string): string {
    switch (type) {
      case 'message_start': {
        const m = isObject(e.message) ? e.message : {};
        if (typeof m.id === 'string') this.id = m.id;
        this.addUsage(m.usage);
        this.started = true;
        return this.chunk({ role: 'assistant', content: '' });
      }
      case 'content_block_start': {
        const b = isObject(e.content_block) ? e.content_block : {};
        if (b.type === 'tool_use') {
          const index = this.toolIndex.size;
          this.toolIndex.set(Number(e.index), index);
          return this.chunk({ tool_calls: [{ index, id: b.id, type: 'function', function: { name: b.name, arguments: '' } }] });
        }
        if (b.type === 'text' && typeof b.text === 'string' && b.text) return this.chunk({ content: b.text });
        return '';
      }
      case 'content_block_delta':
        return this.blockDelta(Number(e.index), isObject(e.delta) ? e.delta : {});
      case 'message_delta': {
        this.addUsage(e.usage);
        const d = isObject(e.delta) ? e.delta : {};
        const reason = mapStopReasonToOpenai(d.stop_reason);
        if (!reason) return '';
        this.finishSent = true;
        return this.chunk({}, reason);
      }
      case 'message_stop':
        return this.finish('stop');
      case 'error':
        this.finished = true;
        this.o.onErrorEvent?.();
        return anthropicErrorEventToOpenai(raw);
      default:
        return ''; // ping, content_block_stop, and event types added later
    }
  }

  private blockDelta(blockIndex: number, d: Json): string {
    switch (d.type) {
      case 'text_delta':
        return typeof d.text === 'string' && d.text ? this.chunk({ content: d.text }) : '';
      case 'thinking_delta':
        return typeof d.thinking === 'string' && d.thinking ? this.chunk({ reasoning_content: d.thinking }) : '';
      case 'input_json_delta': {
        const index = this.toolIndex.get(blockIndex);
        if (index === undefined || typeof d.partial_json !== 'string' || !d.partial_json) return '';
        return this.chunk({ tool_calls: [{ index, function: { arguments: d.partial_json } }] });
      }
      default:
        return '';
    }
  }

  private finish(reason: string): string {
    this.finished = true;
    let out = this.started ? '' : this.chunk({ role: 'assistant', content: '' });
    if (!this.finishSent) out += this.chunk({}, reason);
    if (this.o.includeUsage) {
      out += sseData({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.o.publicModel, choices: [], usage: convertAnthropicUsageToOpenai(this.usage) });
    }
    return `${out}data: [DONE]\n\n`;
  }
}
