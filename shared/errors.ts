/**
 * The one error type of Sluice. Every error carries a stable `code`, whether retrying can help,
 * the cause, and context (job, store, task, topic…) so a log line or a test can name the thing.
 * The `Symbol.for` marker makes `isSluiceError` work across duplicate installs of the package.
 */
const MARKER = Symbol.for('sluice.error');

export type ErrorContext = Record<string, string | number | boolean | undefined>;

export interface SluiceErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  context?: ErrorContext;
}

export class SluiceError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: string, message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
    Object.defineProperty(this, MARKER, { value: true });
  }
}

export function isSluiceError(error: unknown): error is SluiceError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
}

/** A readable one-line description of anything thrown, for logs and status messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
