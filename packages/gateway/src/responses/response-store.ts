import { RT_KEYS, type RedisClient } from '@llmgw/core';
import type { Logger } from 'pino';

/**
 * A stored Responses API response, as kept in Redis under `gw:rt:{r:<id>}:resp` (one JSON
 * string with a TTL). Enough for any pod to answer `GET /v1/responses/{id}` and its input
 * items, and to replay the conversation for a `previous_response_id` follow-up on any
 * provider: the whole item list up to and including this response's output.
 */
export interface StoredResponse {
  v: 1;
  id: string;
  /** The gateway key that created it (its id): only that key may read, continue or delete it. */
  keyId: string;
  /** Public model name, and the provider / upstream model that served it. */
  model: string;
  provider: string;
  upstreamModel: string;
  createdAt: number;
  /** This request's own input items (GET …/input_items). */
  inputItems: Record<string, unknown>[];
  /** The conversation: the previous response's items, this input, this output. */
  items: Record<string, unknown>[];
  /** The Response object as the client received it. */
  response: Record<string, unknown>;
}

/** A response that was too large to keep: a follow-up naming it is told why. */
interface TooLarge {
  v: 1;
  id: string;
  keyId: string;
  tooLarge: true;
}

export type StoredRecord = StoredResponse | TooLarge;

export interface ResponseStoreOptions {
  ttlS: number;
  maxBytes: number;
}

/** Stored responses in Redis (shared by every pod): bounded in size, expiring after `ttlS`. */
export class ResponseStore {
  constructor(
    private readonly redis: RedisClient,
    readonly opts: ResponseStoreOptions,
    private readonly log: Logger,
  ) {}

  /**
   * Keep a response. The SET is issued at once (before the caller writes the answer's last
   * bytes to the client), so a follow-up the client sends after reading the answer finds it
   * on any pod: Redis runs commands in the order they arrive.
   */
  put(r: StoredResponse): void {
    let text = JSON.stringify(r);
    if (Buffer.byteLength(text) > this.opts.maxBytes) {
      this.log.warn({ responseId: r.id, bytes: Buffer.byteLength(text), maxBytes: this.opts.maxBytes }, 'response too large to store (GW_RESPONSES_MAX_BYTES)');
      const marker: TooLarge = { v: 1, id: r.id, keyId: r.keyId, tooLarge: true };
      text = JSON.stringify(marker);
    }
    this.redis.set(RT_KEYS.storedResponse(r.id), text, 'EX', this.opts.ttlS).catch((err: unknown) => {
      this.log.warn({ err, responseId: r.id }, 'could not store response');
    });
  }

  /** The record, or null when unknown, expired or unreadable. Throws when Redis cannot answer. */
  async get(id: string): Promise<StoredRecord | null> {
    const text = await this.redis.get(RT_KEYS.storedResponse(id));
    if (text === null) return null;
    try {
      const r = JSON.parse(text) as StoredRecord;
      return r && r.v === 1 && typeof r.keyId === 'string' ? r : null;
    } catch {
      return null;
    }
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(RT_KEYS.storedResponse(id));
  }
}
