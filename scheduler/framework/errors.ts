/**
 * The scheduler room's errors, one table: the framework and the CLI decide by `code` and
 * `retriable` (STYLE.md rule 3). Mesos answers themselves stay MesosErrors (shared/mesos).
 */
import { SluiceError, type SluiceErrorOptions } from '../../shared/errors.js';

export const SCHEDULER_ERROR_CODES = {
  /** `--master` is neither http(s)://host:port nor zk://hosts/path. */
  SCHEDULER_BAD_MASTER: { retriable: false },
  /** ZooKeeper holds no (readable) Mesos master right now; the leader may still be electing. */
  SCHEDULER_NO_MASTER: { retriable: true },
  /** The subscription stream failed (HTTP error, broken stream, missed heartbeats). */
  SCHEDULER_STREAM_FAILED: { retriable: true },
  /**
   * The master refused the framework's identity: no or wrong credentials (401), or a principal
   * its ACLs do not allow the role. Retrying does not heal it (the client still retries, slowly,
   * so fixing the master's side is enough); the message says what to fix.
   */
  SCHEDULER_MESOS_REFUSED: { retriable: false },
  /** A call was made while no subscription is up. */
  SCHEDULER_NOT_SUBSCRIBED: { retriable: true },
  /** Mesos removed the framework (torn down, or failover timeout expired): only a new id helps. */
  SCHEDULER_FRAMEWORK_REMOVED: { retriable: false },
  /** A container lifecycle move that the transition table does not allow. */
  SCHEDULER_ILLEGAL_TRANSITION: { retriable: false },
} as const;

export type SchedulerErrorCode = keyof typeof SCHEDULER_ERROR_CODES;

export class SchedulerError extends SluiceError {
  declare readonly code: SchedulerErrorCode;

  constructor(code: SchedulerErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(code, message, { retriable: SCHEDULER_ERROR_CODES[code].retriable, ...options });
  }
}
