import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log object. */
const REDACT_PATHS = [
  'authorization',
  'api_key',
  'apiKey',
  'secret',
  'secrets',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.authorization',
  '*.api_key',
  '*.secret',
  '*.secrets',
  // Deeper copies: a provider record or a target in a debug log (`candidates[0].provider.secrets`).
  '*.*.secrets',
  '*.*.*.secrets',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers["api-key"]',
  'headers.cookie',
  'password',
  '*.password',
  'rawKey',
  '*.rawKey',
];

/** Bytes of log lines kept before they are written, when lines are batched (`flushMs` > 0). */
const LOG_BATCH_BYTES = 8 * 1024;

/**
 * Where log lines go by default: stdout through pino's asynchronous writer. `flushMs` > 0
 * batches them: one write per `LOG_BATCH_BYTES` of lines, or after `flushMs`, whichever comes
 * first (a write per line costs a thread-pool round trip and a wake-up of the reader: more CPU
 * than making the access line itself). pino writes what is left synchronously on exit.
 */
function logDestination(flushMs: number): DestinationStream {
  if (flushMs <= 0) return pino.destination({ sync: false });
  return pino.destination({ sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: flushMs });
}

/** The one logger of the process; `dest` lets tests capture output in memory. */
export function createLogger(level: string, dest?: DestinationStream, base: Record<string, unknown> = {}, flushMs = 0): Logger {
  return pino(
    {
      level,
      base: { svc: 'gateway', ...base },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    dest ?? logDestination(flushMs),
  );
}
