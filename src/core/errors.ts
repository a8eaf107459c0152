/**
 * Errors caused by the user's input (a bad flag, a missing file, an invalid suite field).
 * The CLI prints only the message for these and exits with code 2; no stack trace.
 */
export class UserError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Thrown inside a run when the user pressed Ctrl-C (SIGINT) or the process got SIGTERM. */
export class InterruptedError extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
