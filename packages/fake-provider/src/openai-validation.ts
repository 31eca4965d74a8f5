import { json, type Handler } from './reply.js';

/**
 * What OpenAI itself refuses before any model runs, so a gateway's conversions are checked
 * against the same rules: chat completions need a non-empty `messages` array
 * (`[]` → 400 "[] is too short - 'messages'"), each with a role; a Responses API POST takes no
 * WebSocket-only field (`stream_id` is for WebSocket mode's response.create only), and its
 * `previous_response_id` must name a response this upstream made (ids `resp_fake<n>`).
 */
const invalid = (message: string, code: string, param: string) =>
  json(JSON.stringify({ error: { message, type: 'invalid_request_error', param, code } }), 400);

export function validatedChat(handler: Handler): Handler {
  return (req, b, ctx) => {
    const messages: unknown = req.json?.messages;
    if (!Array.isArray(messages)) return invalid("Missing required parameter: 'messages'.", 'missing_required_parameter', 'messages');
    if (messages.length === 0) return invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'empty_array', 'messages');
    const bad = messages.findIndex((m) => typeof m !== 'object' || m === null || typeof (m as { role?: unknown }).role !== 'string');
    if (bad !== -1) return invalid(`Missing required parameter: 'messages[${bad}].role'.`, 'missing_required_parameter', `messages[${bad}].role`);
    return handler(req, b, ctx);
  };
}

/** Fields of WebSocket mode's `response.create` that OpenAI refuses on an HTTP POST /v1/responses. */
const WEBSOCKET_ONLY = ['stream_id'];

export function validatedResponses(handler: Handler): Handler {
  return (req, b, ctx) => {
    const json: unknown = req.json;
    if (typeof json === 'object' && json !== null) {
      const field = WEBSOCKET_ONLY.find((f) => f in json);
      if (field !== undefined) return invalid(`Unknown parameter: '${field}'.`, 'unknown_parameter', field);
      const prev = (json as { previous_response_id?: unknown }).previous_response_id;
      if (prev !== undefined && prev !== null && !(typeof prev === 'string' && /^resp_fake\d+$/.test(prev))) {
        return invalid(`Previous response with id '${typeof prev === 'string' ? prev : JSON.stringify(prev)}' not found.`, 'previous_response_not_found', 'previous_response_id');
      }
    }
    return handler(req, b, ctx);
  };
}
