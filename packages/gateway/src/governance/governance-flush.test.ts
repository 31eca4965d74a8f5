import { RT_KEYS, usageEntryEvents } from '@llmgw/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../../tests/support/redis.js';
import type { ResponseSink } from '../http/types.js';
import { createContext } from '../request-context.js';
import { ENDPOINTS } from '../api/endpoints.js';
import { finish } from '../pipeline/finish.js';
import { createStats } from '../stats.js';
import { createGovernance } from './governance.js';

const { redis } = useTestRedis();

// This file runs in its own module registry, so gpt-tokenizer is not loaded yet when the
// request below finishes: its estimate has to wait for the tokenizer, as right after boot.
describe('governance flush', () => {
  it('waits for usage estimates still waiting on the tokenizer', async () => {
    const log = pino({ level: 'silent' });
    const gov = createGovernance(
      redis,
      { windowMs: 60_000, leaseMs: 60_000, timeoutMs: 500, failClosed: false, usageEnabled: true, usageBufferMax: 100, usageStreamMaxLen: 1000, usageRetryMs: 100 },
      createStats(),
      log,
    );
    const req = { method: 'POST', path: '/v1/chat/completions', query: '', headers: {}, body: Buffer.alloc(0), receivedAt: performance.now() };
    const ctx = createContext('req_flush', req, {} as ResponseSink, ENDPOINTS.get('/chat/completions')!, log);
    ctx.key = { id: 'key_flush', name: 'flush', hash: 'a'.repeat(64), prefix: 'gw-flush', status: 'active', providers: [], models: ['*'], metadata: {}, mcp_tools: [], mcp_resources: [], mcp_prompts: [], v: 1 };
    ctx.body = { model: 'm', messages: [{ role: 'user', content: 'count these words please' }] };
    ctx.publicModel = 'm';
    ctx.attempts.push({ provider: 'p', model: 'm', secretIndex: 0, status: 200 });
    ctx.status = 200;
    gov.account(ctx);
    await gov.admit(ctx); // a key without limits: no script
    finish(ctx); // the upstream sent no usage: an estimate is needed
    expect(await gov.flush()).toBe(true);
    const events = await redis.xrange(RT_KEYS.usageStream, '-', '+');
    expect(events).toHaveLength(1);
    expect(usageEntryEvents(events[0]![1])).toMatchObject([{ id: 'req_flush', estimated: true }]);
    gov.close();
  });
});
