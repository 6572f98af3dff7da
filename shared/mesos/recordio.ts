/**
 * RecordIO, the framing of Mesos's event streams: every record is `<decimal length>\n<bytes>`.
 * HTTP chunk boundaries are arbitrary, so the decoder is incremental: it keeps a partial header
 * or record across `push` calls and returns every record a chunk completes.
 *
 * Stricter than stout's decoder on purpose (it is the stream from a master we trust, but a proxy
 * error page or a wrong port must fail clearly instead of hanging or allocating gigabytes): the
 * header must be ASCII digits only, and a length above `maxRecordBytes` fails before buffering.
 * After an error the decoder stays failed, as stout's does: the next header cannot be found.
 */
import { MesosError } from './errors.js';

/** Mesos's largest records are OFFERS events with many agents; 64 MiB leaves ample room. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

export interface RecordIoDecoderOptions {
  maxRecordBytes?: number;
}

export class RecordIoDecoder {
  readonly maxRecordBytes: number;
  /** Digits of the current header seen so far. */
  private header = '';
  /** Length of the record being collected, or undefined while reading a header. */
  private expected: number | undefined;
  private parts: Buffer[] = [];
  private collected = 0;
  private failure: MesosError | undefined;
  /** Digits in the largest allowed length: a longer header is garbage, not a big record. */
  private readonly maxHeaderDigits: number;

  constructor(options: RecordIoDecoderOptions = {}) {
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isSafeInteger(this.maxRecordBytes) || this.maxRecordBytes < 0) {
      throw new RangeError(`maxRecordBytes must be a non-negative safe integer, got ${this.maxRecordBytes}`);
    }
    this.maxHeaderDigits = String(this.maxRecordBytes).length;
  }

  /** Feeds one chunk; returns the records it completed, in order (empty records included). */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failure !== undefined) {
      throw new MesosError('MESOS_RECORDIO_FAILED', `RecordIO decoder already failed: ${this.failure.message}`, {
        cause: this.failure,
      });
    }
    try {
      return this.decode(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (error) {
      if (error instanceof MesosError) this.failure = error;
      throw error;
    }
  }

  /** Declares the end of the stream; throws if it stopped inside a header or a record. */
  end(): void {
    if (this.failure !== undefined) return;
    if (this.expected !== undefined) {
      throw this.fail('MESOS_RECORDIO_TRUNCATED', `RecordIO stream ended after ${this.collected} of ${this.expected} record bytes`);
    }
    if (this.header !== '') {
      throw this.fail('MESOS_RECORDIO_TRUNCATED', `RecordIO stream ended inside the length header '${this.header}'`);
    }
  }

  /** Bytes held for an incomplete record (for metrics and tests). */
  get bufferedBytes(): number {
    return this.collected + this.header.length;
  }

  private decode(chunk: Buffer): Buffer[] {
    const records: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.expected === undefined) {
        offset = this.readHeader(chunk, offset);
        if (this.expected === 0) records.push(this.take());
      } else {
        const wanted = this.expected - this.collected;
        const piece = chunk.subarray(offset, offset + wanted);
        this.parts.push(piece);
        this.collected += piece.length;
        offset += piece.length;
        if (this.collected === this.expected) records.push(this.take());
      }
    }
    return records;
  }

  /** Consumes header bytes from `offset`; sets `expected` once the newline arrives. */
  private readHeader(chunk: Buffer, offset: number): number {
    while (offset < chunk.length) {
      const byte = chunk[offset++] as number;
      if (byte === NEWLINE) {
        if (this.header === '') throw this.fail('MESOS_RECORDIO_BAD_HEADER', 'RecordIO length header is empty');
        this.expected = Number(this.header); // At most maxRecordBytes: checked per digit below.
        this.header = '';
        return offset;
      }
      if (byte < DIGIT_0 || byte > DIGIT_9) {
        throw this.fail(
          'MESOS_RECORDIO_BAD_HEADER',
          `RecordIO length header has a non-digit byte 0x${byte.toString(16).padStart(2, '0')} after '${this.header}'` +
            ' (is this a Mesos event stream?)',
        );
      }
      this.header += String.fromCharCode(byte);
      // Fail as soon as the digits so far exceed the limit: no need to wait for the newline.
      if (Number(this.header) > this.maxRecordBytes) {
        throw this.fail(
          'MESOS_RECORDIO_OVERSIZE',
          `RecordIO record of at least ${this.header} bytes exceeds the limit of ${this.maxRecordBytes} bytes`,
        );
      }
      // Only leading zeros get here: a header that long is garbage, and must not grow forever.
      if (this.header.length > this.maxHeaderDigits) {
        throw this.fail(
          'MESOS_RECORDIO_OVERSIZE',
          `RecordIO length header '${this.header}…' has no newline within ${this.maxHeaderDigits} digits`,
        );
      }
    }
    return offset;
  }

  /** Always a copy: the caller may reuse its chunk, and a small record must not pin a big chunk. */
  private take(): Buffer {
    const record = Buffer.concat(this.parts, this.collected);
    this.parts = [];
    this.collected = 0;
    this.expected = undefined;
    return record;
  }

  private fail(code: 'MESOS_RECORDIO_BAD_HEADER' | 'MESOS_RECORDIO_OVERSIZE' | 'MESOS_RECORDIO_TRUNCATED', message: string): MesosError {
    this.failure = new MesosError(code, message, { context: { maxRecordBytes: this.maxRecordBytes } });
    // A failed decoder never yields again: let go of what it holds.
    this.header = '';
    this.parts = [];
    this.collected = 0;
    this.expected = undefined;
    return this.failure;
  }
}

/** Frames one record: `<length>\n<bytes>`. */
export function encodeRecordIo(record: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${record.length}\n`, 'ascii'), record]);
}

/**
 * Decodes a whole byte stream (an HTTP response body, a socket) into records as they complete,
 * and fails if the stream ends inside a record.
 */
export async function* readRecordIo(
  source: AsyncIterable<Uint8Array>,
  options: RecordIoDecoderOptions = {},
): AsyncGenerator<Buffer, void, undefined> {
  const decoder = new RecordIoDecoder(options);
  for await (const chunk of source) {
    yield* decoder.push(chunk);
  }
  decoder.end();
}
