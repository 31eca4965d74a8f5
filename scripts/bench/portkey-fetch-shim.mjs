// Loaded into the Portkey peer with `node --import` (scripts/bench/lib/stack.mjs). Portkey
// 1.15.2 on Node 20 fails every streamed request with "TypeError: immutable"
// (Portkey-AI/gateway#1389): it appends its own headers to the upstream response, whose
// headers `fetch` made immutable, once @hono/node-server's Response wrapper keeps them. Here
// `fetch` hands back a copy with mutable headers, as Portkey expects; the body stream is the
// same object, not copied. The cost is one Headers copy per upstream call, on Portkey's side.
const upstreamFetch = globalThis.fetch;
const NodeResponse = globalThis.Response;
globalThis.fetch = async (...args) => {
  const r = await upstreamFetch(...args);
  return new NodeResponse(r.body, { status: r.status, statusText: r.statusText, headers: new Headers(r.headers) });
};
