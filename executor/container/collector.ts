import type { MessageCollector, OutgoingEnvelope } from '../../shared/api/task.js';
import { SluiceError } from '../../shared/errors.js';
import type { SerdePair } from '../job/job-binding.js';
import type { OutgoingMessage, OutputSink } from '../systems/stream-system.js';

/**
 * A task's collector: serializes each message with its output's serdes and buffers it, so the
 * output sink gets one call per input batch instead of one per message. For an output sent
 * `latest-per-commit` it keeps only the last message of each key (and partition) until the commit:
 * a message without a key cannot be merged and goes out with the batch like any other.
 */
export class BufferingCollector implements MessageCollector {
  private buffered = new Map<string, OutgoingMessage[]>();
  private count = 0;
  /** Topic → (partition, key) → the latest message, for the outputs sent latest-per-commit. */
  private latest = new Map<string, Map<string, OutgoingMessage>>();
  private latestBytes = 0;

  constructor(
    private readonly taskName: string,
    private readonly serdes: ReadonlyMap<string, SerdePair>,
    private readonly sink: OutputSink,
    /** The outputs sent latest-per-commit. */
    private readonly latestPerCommit: ReadonlySet<string> = new Set(),
  ) {}

  send<K, V>(envelope: OutgoingEnvelope<K, V>): void {
    const serdes = this.serdes.get(envelope.topic);
    if (!serdes) {
      throw new SluiceError(
        'OUTPUT_UNKNOWN',
        `task '${this.taskName}' sent to topic '${envelope.topic}', which is not in the job config's outputs ` +
          `(declared: ${[...this.serdes.keys()].join(', ') || 'none'})`,
        { context: { task: this.taskName, topic: envelope.topic } },
      );
    }
    const message: OutgoingMessage = {
      key: envelope.key === undefined || envelope.key === null ? null : serdes.key.toBytes(envelope.key),
      value: envelope.value === null ? null : serdes.value.toBytes(envelope.value),
      ...(envelope.partition === undefined ? {} : { partition: envelope.partition }),
    };
    if (message.key !== null && this.latestPerCommit.has(envelope.topic)) this.keepLatest(envelope.topic, message);
    else this.sendRaw(envelope.topic, message);
  }

  /** What the kept latest messages weigh: they count towards the task's uncommitted bytes, which force a commit. */
  get pendingBytes(): number {
    return this.latestBytes;
  }

  private keepLatest(topic: string, message: OutgoingMessage): void {
    let byKey = this.latest.get(topic);
    if (byKey === undefined) this.latest.set(topic, (byKey = new Map()));
    const id = `${message.partition ?? ''}\u0000${(message.key as Buffer).toString('latin1')}`;
    const earlier = byKey.get(id);
    if (earlier !== undefined) this.latestBytes -= weight(earlier);
    // Re-inserted, so the messages go out in the order of their keys' last change.
    byKey.delete(id);
    byKey.set(id, message);
    this.latestBytes += weight(message);
  }

  /** An already serialized message (dead letters). */
  sendRaw(topic: string, message: OutgoingMessage): void {
    const list = this.buffered.get(topic);
    if (list) list.push(message);
    else this.buffered.set(topic, [message]);
    this.count++;
  }

  /** Hands the buffered messages to the sink; returns how many there were. */
  drain(): number {
    const sent = this.count;
    for (const [topic, messages] of this.buffered) this.sink.send(topic, messages);
    this.buffered = new Map();
    this.count = 0;
    return sent;
  }

  /** At a commit: the buffered messages, then the latest of each key of the latest-per-commit outputs. */
  drainForCommit(): number {
    let sent = this.drain();
    for (const [topic, byKey] of this.latest) {
      this.sink.send(topic, [...byKey.values()]);
      sent += byKey.size;
    }
    this.latest = new Map();
    this.latestBytes = 0;
    return sent;
  }
}

function weight(message: OutgoingMessage): number {
  return (message.key?.length ?? 0) + (message.value?.length ?? 0);
}
