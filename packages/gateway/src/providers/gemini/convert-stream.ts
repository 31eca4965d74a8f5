import type { GatewayError } from '../../errors/catalog.js';
import { errorBody } from '../../errors/render.js';
import { isObject, type Json } from '../../formats/anthropic-messages/types.js';
import { SseEventSplitter, sseData, type SseEvent } from '../../relay/sse-events.js';
import type { Usage } from '../../request-context.js';
import type { StreamRelay } from '../codec.js';
import { blockedPromptText, completionId, convertFunctionCall } from './convert-response.js';
import { convertGeminiUsage } from './convert-usage.js';
import { mapGeminiFinishReason } from './map-finish-reason.js';
import { mapGeminiErrorEvent } from './map-gemini-error.js';
import type { GeminiCandidate, GeminiResponse } from './types.js';

interface GeminiStreamOptions {
  /** The model name the client asked for (every chunk carries it). */
  publicModel: string;
  /** The client asked for `stream_options.include_usage`: send the usage chunk (`choices: []`) before `[DONE]`. */
  includeUsage: boolean;
  /** Called with the usage of every event that has it (Gemini repeats growing totals: the last one counts). */
  onUsage(u: Usage): void;
  /** Called when the upstream sends an `{"error":{…}}` event after its 200. */
  onErrorEvent(): void;
  /** Unix seconds for `created` (default: now). */
  created?: number;
}

/** Where one candidate (an OpenAI choice) is in its stream. */
interface ChoiceState {
  /** Tool calls sent so far (the next one's `index`). */
  tools: number;
  finished: boolean;
}

/**
 * Gemini `streamGenerateContent?alt=sse` in, OpenAI `chat.completion.chunk` SSE out. Each
 * candidate (a choice) gets a role chunk first, then a chunk per part: text as `content`,
 * thought summaries as `reasoning_content`, a function call whole as one `tool_calls` delta;
 * its `finishReason` becomes a finish chunk. Gemini sends no terminator and repeats growing
 * usage totals in every event: at the end of the upstream stream come the usage chunk of the
 * last totals (when the client asked for it) and `[DONE]`. An `{"error":{…}}` event ends the
 * stream as an OpenAI error chunk. Stateful, but does no I/O.
 */
export class GeminiToChatStream implements StreamRelay {
  private readonly splitter = new SseEventSplitter();
  private readonly created: number;
  private id: string | null = null;
  private readonly choices = new Map<number, ChoiceState>();
  private usage: Json | null = null;
  private finished = false;

  constructor(private readonly o: GeminiStreamOptions) {
    this.created = o.created ?? Math.floor(Date.now() / 1000);
  }

  push(chunk: Buffer): string | null {
    return this.convert(this.splitter.push(chunk)) || null;
  }

  /** The upstream ended (Gemini's only way to say it is done): the rest, the closing chunks and `[DONE]`. */
  flush(): string | null {
    let out = this.convert(this.splitter.flush());
    if (!this.finished) out += this.finish();
    return out || null;
  }

  /** The upstream failed mid-stream: what arrived whole, then an OpenAI error chunk (no `[DONE]`). */
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
        continue; // not JSON: nothing an OpenAI client could use
      }
      if (!isObject(data)) continue;
      if (isObject(data.error)) {
        this.finished = true;
        this.o.onErrorEvent();
        out += mapGeminiErrorEvent(data.error, ev.data);
      } else out += this.event(data);
    }
    return out;
  }

  private chunk(index: number, delta: Json, finishReason: string | null = null): string {
    this.id ??= completionId({});
    return sseData({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.o.publicModel,
      choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
    });
  }

  /** The state of choice `index`, with its role chunk when it is new. */
  private choice(index: number): { state: ChoiceState; out: string } {
    const known = this.choices.get(index);
    if (known) return { state: known, out: '' };
    const state = { tools: 0, finished: false };
    this.choices.set(index, state);
    return { state, out: this.chunk(index, { role: 'assistant', content: '' }) };
  }

  private event(r: GeminiResponse): string {
    this.id ??= completionId(r);
    if (isObject(r.usageMetadata)) {
      const u = convertGeminiUsage(r.usageMetadata);
      this.usage = u.openai;
      this.o.onUsage(u.usage);
    }
    const candidates = Array.isArray(r.candidates) ? r.candidates.filter(isObject) : [];
    if (candidates.length === 0) return this.blocked(r);
    let out = '';
    candidates.forEach((c, i) => (out += this.candidate(c, typeof c.index === 'number' ? c.index : i)));
    return out;
  }

  private candidate(c: GeminiCandidate, index: number): string {
    const { state, out: start } = this.choice(index);
    let out = start;
    for (const part of c.content?.parts ?? []) {
      if (!isObject(part)) continue;
      if (isObject(part.functionCall)) {
        const call = convertFunctionCall(part.functionCall, part.thoughtSignature);
        out += this.chunk(index, { tool_calls: [{ index: state.tools++, ...call }] });
      } else if (typeof part.text === 'string' && part.text) {
        out += this.chunk(index, part.thought === true ? { reasoning_content: part.text } : { content: part.text });
      }
    }
    if (c.finishReason && !state.finished) {
      state.finished = true;
      out += this.chunk(index, {}, mapGeminiFinishReason(c.finishReason, state.tools > 0));
    }
    return out;
  }

  /** An event without candidates: a prompt Gemini refused (`promptFeedback.blockReason`), or only usage. */
  private blocked(r: GeminiResponse): string {
    const reason = isObject(r.promptFeedback) && typeof r.promptFeedback.blockReason === 'string' ? r.promptFeedback.blockReason : null;
    if (!reason) return '';
    const { state, out } = this.choice(0);
    if (state.finished) return out;
    state.finished = true;
    return out + this.chunk(0, { refusal: blockedPromptText(reason) }) + this.chunk(0, {}, 'content_filter');
  }

  private finish(): string {
    this.finished = true;
    let out = this.choices.size === 0 ? this.choice(0).out : '';
    for (const [index, state] of this.choices) if (!state.finished) out += this.chunk(index, {}, mapGeminiFinishReason('STOP', state.tools > 0));
    if (this.o.includeUsage && this.usage) {
      out += sseData({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.o.publicModel, choices: [], usage: this.usage });
    }
    return `${out}data: [DONE]\n\n`;
  }
}
