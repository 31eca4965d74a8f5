import { AdminTokenError, RegistryConflictError, RegistryValidationError } from '@llmgw/core';
import { z } from 'zod';

/** An error the API answers with: `{ error: { message, field? } }` and an HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The input field at fault (for 400s). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Core's errors as API errors: bad input 400, missing 404, exists or changed 409; anything else is a 500. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof z.ZodError) {
    const i = e.issues[0]!;
    const field = i.path.map(String).join('.') || undefined;
    return new ApiError(400, `${field ? `${field}: ` : ''}${i.message}`, field);
  }
  if (e instanceof RegistryValidationError) {
    // Core's messages read `invalid key: rpm: …`: the first path is the field.
    const m = /^invalid \w+: ([\w.]+):/.exec(e.message);
    return new ApiError(400, e.message, m?.[1]);
  }
  if (e instanceof RegistryConflictError) return new ApiError(e.reason === 'missing' ? 404 : 409, e.message);
  if (e instanceof AdminTokenError) {
    const status = e.reason === 'missing' ? 404 : e.reason === 'exists' ? 409 : 400;
    return new ApiError(status, e.message, e.reason === 'invalid' ? e.message.split(':')[0] : undefined);
  }
  return new ApiError(500, 'internal error');
}
