import type { MessageCollector, OutgoingEnvelope } from '../../shared/api/task.js';
import { SluiceError } from '../../shared/errors.js';
import type { SerdePair } from '../job/job-binding.js';
import type { OutgoingMessage, OutputSink } from '../systems/stream-system.js';

/**
 * A task's collector: serializes each message with its output's serdes and buffers it, so the
 * output sink gets one call per input batch instead of one per message.
 */
export class BufferingCollector implements MessageCollector {
  private buffered = new Map<string, OutgoingMessage[]>();
  private count = 0;

  constructor(
    private readonly taskName: string,
    private readonly serdes: ReadonlyMap<string, SerdePair>,
    private readonly sink: OutputSink,
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
    this.sendRaw(envelope.topic, message);
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
}
