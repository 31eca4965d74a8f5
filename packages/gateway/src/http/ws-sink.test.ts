import type { WebSocket } from 'uWebSockets.js';
import { describe, expect, it } from 'vitest';
import { WsSink, type WsSocketState } from './ws-sink.js';

/** A stand-in for a uWS socket: what was sent, and a buffered amount the test sets. */
function fakeSocket() {
  const sent: string[] = [];
  const socket = { buffered: 0, sent };
  const ws = {
    send: (m: string) => {
      sent.push(m);
      return 1;
    },
    cork: (fn: () => void) => {
      fn();
      return ws;
    },
    getBufferedAmount: () => socket.buffered,
  } as unknown as WebSocket<unknown>;
  const state: WsSocketState = { ws, drainWaiters: [], memory: { responses: new Map() } };
  return { socket, state };
}

describe('a response written to a WebSocket', () => {
  it('each SSE event becomes one message (its data), events split across writes included; end ends the response once', () => {
    const { socket, state } = fakeSocket();
    const ended: WsSink[] = [];
    const sink = new WsSink(state, (s) => ended.push(s));
    sink.writeHead(200);
    sink.write('event: response.created\ndata: {"type":"response.created"}\n\nevent: response.output_text.delta\ndata: {"type":"resp');
    sink.write('onse.output_text.delta","delta":"hi"}\n\ndata: [DONE]\n\n');
    sink.end();
    sink.end();
    expect(socket.sent).toEqual(['{"type":"response.created"}', '{"type":"response.output_text.delta","delta":"hi"}']);
    expect(ended).toEqual([sink]);
    expect(sink.status).toBe(200);
  });

  it('an error answer is an error message with the status; a 2xx JSON answer is response.completed', () => {
    const { socket, state } = fakeSocket();
    new WsSink(state, () => {}).send(429, {}, '{"error":{"message":"slow down","type":"requests","param":null,"code":"rate_limit_exceeded"}}');
    new WsSink(state, () => {}).send(200, {}, '{"id":"resp_1","object":"response"}');
    expect(socket.sent.map((m) => JSON.parse(m))).toEqual([
      { type: 'error', status: 429, error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
      { type: 'response.completed', response: { id: 'resp_1', object: 'response' } },
    ]);
  });

  it('a response on a named stream carries its stream_id on every message, errors and completed answers included', () => {
    const { socket, state } = fakeSocket();
    const sink = new WsSink(state, () => {}, 'planner.1');
    sink.writeHead(200);
    sink.write('data: {"type":"response.created"}\n\ndata: {}\n\n');
    sink.end('data: {"type":"response.completed","response":{"id":"r"}}\n\n');
    new WsSink(state, () => {}, 'b').send(404, {}, '{"error":{"message":"no","type":"invalid_request_error","param":null,"code":"model_not_found"}}');
    new WsSink(state, () => {}, 'c').send(200, {}, '{"id":"resp_1"}');
    expect(socket.sent.map((m) => JSON.parse(m))).toEqual([
      { stream_id: 'planner.1', type: 'response.created' },
      { stream_id: 'planner.1' },
      { stream_id: 'planner.1', type: 'response.completed', response: { id: 'r' } },
      { stream_id: 'b', type: 'error', status: 404, error: { message: 'no', type: 'invalid_request_error', param: null, code: 'model_not_found' } },
      { stream_id: 'c', type: 'response.completed', response: { id: 'resp_1' } },
    ]);
  });

  it('backpressure: write says false once 64 KiB wait in the socket, and the drain waiter runs when it drains', () => {
    const { socket, state } = fakeSocket();
    const sink = new WsSink(state, () => {});
    sink.writeHead(200);
    expect(sink.write('data: {"a":1}\n\n')).toBe(true);
    socket.buffered = 64 * 1024;
    expect(sink.write('data: {"a":2}\n\n')).toBe(false);
    let drained = 0;
    sink.onDrain(() => drained++);
    expect(state.drainWaiters).toHaveLength(1);
    for (const w of state.drainWaiters.splice(0)) w();
    expect(drained).toBe(1);
  });

  it('a closed socket aborts the response: abort callbacks run, nothing more is sent', () => {
    const { socket, state } = fakeSocket();
    const ended: WsSink[] = [];
    const sink = new WsSink(state, (s) => ended.push(s));
    let aborted = 0;
    sink.onAbort(() => aborted++);
    state.ws = null;
    sink.markAborted();
    sink.write('data: {"late":true}\n\n');
    expect(aborted).toBe(1);
    expect(sink.aborted).toBe(true);
    expect(socket.sent).toEqual([]);
    expect(ended).toEqual([sink]);
  });
});
