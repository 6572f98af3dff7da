import type { BatchingProducer } from '../../../shared/kafka/batching-producer.js';
import type { OutgoingMessage, OutputSink } from '../stream-system.js';

/** A task's outputs through a BatchingProducer: sends are queued, and their failures surface from flush(), which every commit awaits. */
export function batchingOutputs(batching: BatchingProducer): OutputSink {
  return {
    send: (topic: string, messages: readonly OutgoingMessage[]) => void batching.send(topic, messages).catch(() => undefined),
    flush: () => batching.flush(),
  };
}
