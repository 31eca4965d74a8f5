import { describe, expect, it } from 'vitest';
import { spawnGateway } from './support/gateway.js';
import { useTestRedis } from './support/redis.js';

useTestRedis();

// UWS_USE_FALLBACK makes the trufflesuite package load its pure-JS server, exactly as it does
// when its binary cannot load on a machine.
describe('uWebSockets.js build', () => {
  it('names the native build in the startup log', async () => {
    const gw = await spawnGateway();
    try {
      expect(gw.output()).toMatch(/"uws":"[^"]*\(native: native binary for /);
    } finally {
      await gw.stop();
    }
  });

  it('refuses to start on the slow pure-JS fallback, with one clear line', async () => {
    const err = await spawnGateway({ UWS_USE_FALLBACK: '1' }).then(
      async (gw) => {
        await gw.stop();
        return null;
      },
      (e: Error) => e,
    );
    expect(err).not.toBeNull();
    expect(err!.message).toMatch(/exited with 3/);
    expect(err!.message).toMatch(/refusing to run on its pure-JS fallback/);
    expect(err!.message).toMatch(/UWS_USE_FALLBACK is set/);
  });
});
