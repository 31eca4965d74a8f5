import { z } from 'zod';

/** The console's own settings (Redis comes from REDIS_URL & co., read by core's redisTargetFromEnv, as for gwctl). */
const ConsoleEnvSchema = z.object({
  /** Port of the admin API and web UI. */
  CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Address to listen on (127.0.0.1 keeps it local; 0.0.0.0 in a container). */
  CONSOLE_HOST: z.string().min(1).default('127.0.0.1'),
  /** Lifetime of a browser session, in seconds (idle or not). */
  CONSOLE_SESSION_TTL_S: z.coerce.number().int().positive().default(8 * 3600),
  /**
   * Mark the session cookie `Secure` (only sent over HTTPS). Default off, since the console
   * usually sits behind a TLS-terminating proxy or on localhost; turn it on behind HTTPS.
   */
  CONSOLE_COOKIE_SECURE: z.enum(['0', '1', 'true', 'false']).default('0').transform((v) => v === '1' || v === 'true'),
});

export type ConsoleConfig = z.output<typeof ConsoleEnvSchema>;

/** Validate the environment once at boot; the message names every bad variable. */
export function loadConsoleConfig(env: NodeJS.ProcessEnv): ConsoleConfig {
  const r = ConsoleEnvSchema.safeParse(env);
  if (r.success) return r.data;
  throw new Error(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
}
