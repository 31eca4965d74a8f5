import { RedisConfigError, RegistryConflictError, RegistryDocumentError, RegistryValidationError } from '@llmgw/core';

/**
 * A mistake the user can fix (bad value, unknown name, refused confirmation, unreachable
 * Redis): printed as one `error: …` line, exit code 1, no stack trace.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * Ends a run with its own exit code (`gwctl diff`: 1 when there are differences, 2 when it
 * could not compare); `cause`, when given, is reported as any error would be.
 */
export class ExitWith extends Error {
  constructor(
    readonly code: number,
    override readonly cause?: unknown,
  ) {
    super(`exit ${code}`);
    this.name = 'ExitWith';
  }
}

/** The user error an error stands for, or null when it is a bug. */
export function asUserError(e: unknown): UserError | null {
  if (e instanceof UserError) return e;
  if (e instanceof RegistryValidationError || e instanceof RegistryConflictError || e instanceof RegistryDocumentError || e instanceof RedisConfigError) {
    return new UserError(e.message);
  }
  return null;
}

/** Exit codes of gwctl. */
export const EXIT = {
  ok: 0,
  /** A user error: bad value, unknown entity, refused confirmation, Redis unreachable. */
  user: 1,
  /** A usage error: unknown command or option, missing argument. */
  usage: 2,
  /** A bug in gwctl (EX_SOFTWARE); printed with its stack trace. */
  bug: 70,
} as const;
