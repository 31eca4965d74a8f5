import type { Codec, StreamRelay } from './codec.js';

const asBuffer = (v: Buffer | string | null): Buffer | null => (v === null || v.length === 0 ? null : typeof v === 'string' ? Buffer.from(v) : v);

/**
 * A client format served through an intermediate one: `outer` converts the client's API to
 * format B (its upstream endpoint is B's), `inner` converts B to the provider's API. So a
 * provider that speaks its own API serves every client format that converts to one it takes
 * (Anthropic Messages → chat completions → Gemini), with no converter written for the pair.
 * Usage is read once, by `inner` (closest to the upstream); bodies are parsed once per step.
 */
export function composeCodecs(outer: Codec, inner: Codec): Codec {
  return {
    upstream: inner.upstream,
    keepQuery: false,
    requestBody(body, model) {
      if (!inner.requestBody) return outer.requestBody ? outer.requestBody(body, model) : JSON.stringify({ ...body, model });
      return inner.requestBody(outer.requestBody ? (JSON.parse(outer.requestBody(body, model)) as Record<string, unknown>) : body, model);
    },
    responseBody(text, publicModel, request) {
      // The request inner converted from is not kept: no inner codec needs it today.
      const mid = inner.responseBody ? inner.responseBody(text, publicModel, null) : { text, usage: null };
      const out = outer.responseBody ? outer.responseBody(mid.text, publicModel, request) : mid;
      return { text: out.text, usage: mid.usage ?? out.usage };
    },
    stream(o) {
      // inner must hand usage on (in format B) for outer to convert it; the client's view is
      // outer's. Without an outer relay inner's output is the client's: its own choice holds.
      const innerRelay = inner.stream?.({ ...o, clientWantsUsage: outer.stream ? true : o.clientWantsUsage });
      const outerRelay = outer.stream?.({ ...o, onUsage: innerRelay ? () => {} : o.onUsage, onErrorEvent: innerRelay ? () => {} : o.onErrorEvent });
      const through = (v: Buffer | string | null): Buffer | string | null => {
        const b = asBuffer(v);
        return b === null ? null : outerRelay ? outerRelay.push(b) : b;
      };
      const relay: StreamRelay = {
        push: (chunk) => through(innerRelay ? innerRelay.push(chunk) : chunk),
        flush: () => {
          const mid = through(innerRelay ? innerRelay.flush() : null);
          const end = outerRelay ? outerRelay.flush() : null;
          return join(mid, end);
        },
      };
      // A failure must not end the client's stream as if it were complete, so inner is not
      // flushed then (for an upstream without a terminator, like Gemini, flushing writes the
      // normal ending); what inner still holds is a cut event, of no use. outer ends the stream
      // its way; an outer relay without a failure ending of its own (none today) gets the
      // relay's default: flush, then an error event in the client's format.
      if (outerRelay?.fail) relay.fail = outerRelay.fail.bind(outerRelay);
      else if (!outerRelay && innerRelay?.fail) relay.fail = innerRelay.fail.bind(innerRelay);
      return relay;
    },
    errorBody(status, text) {
      const mid = inner.errorBody ? inner.errorBody(status, text) : text;
      return outer.errorBody ? outer.errorBody(status, mid) : mid;
    },
    // What an error means is read from the upstream's own body, which only inner knows.
    ...(inner.errorFacts ? { errorFacts: inner.errorFacts } : {}),
  };
}

function join(a: Buffer | string | null, b: Buffer | string | null): Buffer | string | null {
  if (a === null || a.length === 0) return b;
  if (b === null || b.length === 0) return a;
  return Buffer.concat([typeof a === 'string' ? Buffer.from(a) : a, typeof b === 'string' ? Buffer.from(b) : b]);
}
