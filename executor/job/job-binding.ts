/**
 * The job binding: a checked job config and the job module turned, once, into everything the
 * runtime needs — each input's and output's serdes, the stores' specs, the task settings — and the
 * job model a config plans. Every runner builds the binding here and hands it to its containers, so
 * each rule and each default of that translation exists in this one place.
 */
import type { Job } from '../../shared/api/define-job.js';
import { builtInSerdes, type Serde } from '../../shared/api/serdes.js';
import type { CompiledJobConfig } from '../../shared/config/job-config.js';
import { SluiceError } from '../../shared/errors.js';
import type { JobModel } from '../../shared/model/job-model.js';
import { planJobModel } from '../../shared/model/plan-job-model.js';
import { groupByPartition, groupBySystemStreamPartition } from '../../shared/model/ssp-grouper.js';
import type { StoreSpec } from '../store/store-spec.js';
import { loadJob } from './load-job.js';

/** How the messages of one topic are read or written. */
export interface SerdePair {
  readonly key: Serde<unknown>;
  readonly value: Serde<unknown>;
}

export interface JobBinding {
  readonly config: CompiledJobConfig;
  readonly job: Job;
  /** By input topic. */
  readonly inputSerdes: ReadonlyMap<string, SerdePair>;
  /** By output topic. */
  readonly outputSerdes: ReadonlyMap<string, SerdePair>;
  readonly stores: readonly StoreSpec[];
}

/** Binds a config to its job module, loaded from the config's module path. */
export async function loadJobBinding(config: CompiledJobConfig): Promise<JobBinding> {
  return bindJob(config, await loadJob(config.modulePath));
}

/** Binds a config to a job module already loaded; a serde neither built in nor defined by the job is an error naming its key. */
export function bindJob(config: CompiledJobConfig, job: Job): JobBinding {
  const serdes = (of: { 'key-serde': string; 'value-serde': string }, key: string): SerdePair => ({
    key: resolveSerde(of['key-serde'], job, `${key}.key-serde`),
    value: resolveSerde(of['value-serde'], job, `${key}.value-serde`),
  });
  return {
    config,
    job,
    inputSerdes: new Map(config.inputs.map((input, i) => [input.topic, serdes(input, `inputs[${i}]`)])),
    outputSerdes: new Map(config.outputs.map((output, i) => [output.topic, serdes(output, `outputs[${i}]`)])),
    stores: Object.entries(config.stores).map(([name, store]) => {
      const { key, value } = serdes(store, `stores.${name}`);
      return {
        name,
        engine: store.engine,
        keySerde: key,
        valueSerde: value,
        cacheSize: store['cache-size'],
        batchSize: store['batch-size'],
        changelogTopic: store.changelog ? changelogTopic(config.name, name) : undefined,
        maxRecordBytes: store['max-record-bytes'],
        ...(store.engine === 'mysql' && config.mysql ? { maxKeyBytes: config.mysql.maxKeyBytes } : {}),
        engineOptions: {
          // The changelog makes a store durable, so the engine's own log would be paid for twice.
          wal: !store.changelog,
          ...(store['block-cache-bytes'] === undefined ? {} : { blockCacheBytes: store['block-cache-bytes'] }),
          ...(store['write-buffer-bytes'] === undefined ? {} : { writeBufferBytes: store['write-buffer-bytes'] }),
          ...(store.compression === undefined ? {} : { compression: store.compression }),
        },
      };
    }),
  };
}

/** The changelog topic of a store: `<job>-<store>-changelog`. */
export function changelogTopic(job: string, store: string): string {
  return `${job}-${store}-changelog`;
}

/** The job model for a config and the current partition counts of its inputs. */
export function jobModelFor(config: CompiledJobConfig, partitionCounts: ReadonlyMap<string, number>): JobModel {
  return planJobModel(
    undefined,
    config.inputs.map((input) => ({ system: 'kafka', topic: input.topic, partitionCount: partitionCounts.get(input.topic) as number })),
    {
      job: config.name,
      containerCount: config.containers,
      grouper: config.task.grouper === 'ssp' ? groupBySystemStreamPartition : groupByPartition,
    },
  );
}

/** Finds a serde named in the job config: a built-in one or one the job module defines. */
function resolveSerde(name: string, job: Job, configKey: string): Serde<unknown> {
  const found = job.serdes?.[name] ?? (builtInSerdes as Record<string, Serde<unknown>>)[name];
  if (!found) {
    const known = [...Object.keys(builtInSerdes), ...Object.keys(job.serdes ?? {})];
    throw new SluiceError('CONFIG_UNKNOWN_SERDE', `${configKey}: unknown serde '${name}'; expected one of ${known.join(', ')}`, {
      context: { key: configKey },
    });
  }
  return found;
}
