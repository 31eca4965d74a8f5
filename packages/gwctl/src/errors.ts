import { RedisConfigError, RegistryConflictError, RegistryDocumentError, RegistryValidationError } from '@llmgw/core';

/**
 * An operation that failed for a reason the user can fix (bad value, unknown name, refused
 * confirmation, unreachable Redis): printed as one `error: …` line, then `hint: …` when there
 * is one, exit code 1, no stack trace.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** What to do about it, printed on its own line. */
    readonly hint?: string,
  ) {
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

/**
 * A command line gwctl cannot run as written (two formats asked for, a missing value with
 * nobody to ask): printed like a UserError, exit code 2, as commander's own usage errors.
 */
export class UsageError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'UsageError';
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

/** Exit codes of gwctl, the same for every command. */
export const EXIT = {
  ok: 0,
  /** The operation failed: bad value, unknown entity, refused confirmation, Redis unreachable, or a bug in gwctl. */
  user: 1,
  /** A usage error: unknown command or option, missing argument, a value of the wrong shape. */
  usage: 2,
} as const;
