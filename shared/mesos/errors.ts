import { SluiceError, isSluiceError, type ErrorContext } from '../errors.js';

/**
 * Every error code of the Mesos room, in one table, so a caller (the scheduler's retry loop, the
 * mini master's HTTP handler) decides by code and `retriable` instead of parsing messages.
 * `httpStatus` is the status Mesos answers with for the same condition, so the test double can
 * reply as the real master does and a client can map a response back to a code.
 */
const LOCAL_ERRORS = {
  // RecordIO framing (shared/mesos/recordio.ts). A truncated stream is a broken connection:
  // re-subscribing heals it; garbage or an oversized record means a wrong peer and will not.
  MESOS_RECORDIO_BAD_HEADER: { retriable: false, httpStatus: undefined },
  MESOS_RECORDIO_OVERSIZE: { retriable: false, httpStatus: undefined },
  MESOS_RECORDIO_TRUNCATED: { retriable: true, httpStatus: undefined },
  MESOS_RECORDIO_FAILED: { retriable: false, httpStatus: undefined },
  // Codecs (shared/mesos/codec/); a server answers a bad body with 400 like Mesos.
  MESOS_DECODE_FAILED: { retriable: false, httpStatus: 400 },
  MESOS_INVALID_MESSAGE: { retriable: false, httpStatus: 400 },
  MESOS_UNKNOWN_MESSAGE_TYPE: { retriable: false, httpStatus: undefined },
  // Content negotiation (shared/mesos/codec/wire-format.ts).
  MESOS_MISSING_CONTENT_TYPE: { retriable: false, httpStatus: 400 },
} as const;

/** What a master or agent answers; a client maps a response status back to one of these. */
const HTTP_ANSWERS = {
  MESOS_BAD_REQUEST: { retriable: false, httpStatus: 400 },
  MESOS_UNAUTHORIZED: { retriable: false, httpStatus: 401 },
  // 403 "Framework is not subscribed": re-subscribing heals it.
  MESOS_FORBIDDEN: { retriable: true, httpStatus: 403 },
  MESOS_METHOD_NOT_ALLOWED: { retriable: false, httpStatus: 405 },
  MESOS_NOT_ACCEPTABLE: { retriable: false, httpStatus: 406 },
  MESOS_UNSUPPORTED_MEDIA_TYPE: { retriable: false, httpStatus: 415 },
  MESOS_NOT_IMPLEMENTED: { retriable: false, httpStatus: 501 },
  // 307 from a non-leading master and 503 while there is no leader: both heal by trying again.
  MESOS_NOT_LEADER: { retriable: true, httpStatus: 307 },
  MESOS_UNAVAILABLE: { retriable: true, httpStatus: 503 },
} as const;

/**
 * Every error code of the Mesos room, in one table, so a caller (the scheduler's retry loop, the
 * mini master's HTTP handler) decides by code and `retriable` instead of parsing messages.
 * `httpStatus` is the status Mesos answers with for the same condition, so the test double can
 * reply as the real master does.
 */
export const MESOS_ERROR_CODES = { ...LOCAL_ERRORS, ...HTTP_ANSWERS } as const satisfies Record<
  string,
  { retriable: boolean; httpStatus: number | undefined }
>;

export type MesosErrorCode = keyof typeof MESOS_ERROR_CODES;

export interface MesosErrorOptions {
  /** Overrides the table's default, e.g. a 403 that is known to be permanent. */
  retriable?: boolean;
  cause?: unknown;
  context?: ErrorContext;
}

export class MesosError extends SluiceError {
  declare readonly code: MesosErrorCode;

  constructor(code: MesosErrorCode, message: string, options: MesosErrorOptions = {}) {
    super(code, message, {
      retriable: options.retriable ?? MESOS_ERROR_CODES[code].retriable,
      cause: options.cause,
      context: options.context,
    });
  }

  /** The HTTP status Mesos uses for this condition (undefined for purely local errors). */
  get httpStatus(): number | undefined {
    return MESOS_ERROR_CODES[this.code].httpStatus;
  }
}

const CODE_FOR_STATUS: ReadonlyMap<number, MesosErrorCode> = new Map(
  Object.entries(HTTP_ANSWERS).map(([code, entry]) => [entry.httpStatus, code as MesosErrorCode]),
);

/** Maps a non-2xx HTTP status from a master or agent to its code; unknown ones by class. */
export function mesosErrorCodeForStatus(status: number): MesosErrorCode {
  return CODE_FOR_STATUS.get(status) ?? (status >= 500 ? 'MESOS_UNAVAILABLE' : 'MESOS_BAD_REQUEST');
}

/** True for a MesosError, also across duplicate installs (SluiceError's marker plus a known code). */
export function isMesosError(error: unknown): error is MesosError {
  return isSluiceError(error) && Object.hasOwn(MESOS_ERROR_CODES, error.code);
}
