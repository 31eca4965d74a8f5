import { Errors } from '../../errors/catalog.js';
import type { Json } from './types.js';

/** What the Messages API itself refuses before a model runs; checked before limits count the request. */
export function validateMessagesRequest(body: Json): void {
  if (!Array.isArray(body.messages)) throw Errors.invalidBody('messages: Field required (an array of messages).', 'messages');
  const max = body.max_tokens;
  if (max === undefined) throw Errors.invalidBody('max_tokens: Field required.', 'max_tokens');
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw Errors.invalidBody('max_tokens: Input should be a positive integer.', 'max_tokens');
}

/** `/v1/messages/count_tokens` takes the same body without `max_tokens`. */
export function validateCountTokensRequest(body: Json): void {
  if (!Array.isArray(body.messages)) throw Errors.invalidBody('messages: Field required (an array of messages).', 'messages');
}
