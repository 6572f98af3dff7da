/**
 * The records of a RecordIO response body until the stream ends or `signal` aborts. Aborting
 * the fetch is not enough to end a pending read: when the master closes the stream just as we
 * abort (an ERROR "Framework failed over" followed by the close), undici can leave the read
 * pending for ever. So every read races the abort, and the reader is cancelled without waiting.
 */
import { RecordIoDecoder } from '../../shared/mesos/index.js';
import { SchedulerError } from './errors.js';

export async function* recordsUntilAborted(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<Buffer, void, undefined> {
  const reader = body.getReader();
  const aborted = new Promise<never>((_resolve, reject) => {
    const fail = (): void => reject(new SchedulerError('SCHEDULER_STREAM_FAILED', 'the event stream was closed by us'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined); // settled by the race below, or never looked at once the stream ended
  const decoder = new RecordIoDecoder();
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) {
        decoder.end();
        return;
      }
      yield* decoder.push(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
