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

/** The one logger of the process; `dest` lets tests capture output in memory. */
export function createLogger(level: string, dest?: DestinationStream, base: Record<string, unknown> = {}): Logger {
  return pino(
    {
      level,
      base: { svc: 'gateway', ...base },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    dest ?? pino.destination({ sync: false }),
  );
}
