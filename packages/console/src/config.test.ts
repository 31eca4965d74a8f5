import { describe, expect, it } from 'vitest';
import { loadConsoleConfig } from './config.js';

describe('console configuration', () => {
  it('defaults: port 3000 on 127.0.0.1, 8-hour sessions, cookie not Secure', () => {
    expect(loadConsoleConfig({})).toEqual({ CONSOLE_PORT: 3000, CONSOLE_HOST: '127.0.0.1', CONSOLE_SESSION_TTL_S: 28_800, CONSOLE_COOKIE_SECURE: false });
    expect(loadConsoleConfig({ CONSOLE_PORT: '8088', CONSOLE_COOKIE_SECURE: 'true' })).toMatchObject({ CONSOLE_PORT: 8088, CONSOLE_COOKIE_SECURE: true });
  });

  it('a bad value fails naming every variable at fault', () => {
    expect(() => loadConsoleConfig({ CONSOLE_PORT: 'eighty', CONSOLE_SESSION_TTL_S: '-1' })).toThrow(/CONSOLE_PORT: .*; CONSOLE_SESSION_TTL_S: /);
    expect(() => loadConsoleConfig({ CONSOLE_COOKIE_SECURE: 'yes' })).toThrow(/CONSOLE_COOKIE_SECURE/);
  });
});
