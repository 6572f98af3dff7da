/**
 * The public API of Sluice: the only import path for job authors.
 * @packageDocumentation
 */
export { defineJob, type Job, type JobDefinition } from './define-job.js';
export type { IncomingEnvelope, MessageCollector, OutgoingEnvelope, Ssp, StreamTask, TaskContext, TaskCoordinator } from './task.js';
export type { Entry, KeyValueIterator, KeyValueSnapshot, KeyValueStore } from './key-value-store.js';
export { bytesSerde, int32Serde, int64Serde, json, jsonSerde, protobufSerde, stringSerde, type Serde } from './serdes.js';
export { SluiceError, isSluiceError } from '../errors.js';
