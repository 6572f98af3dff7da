/**
 * The job model the leader runs: planned from the config and the inputs' partition counts on
 * Kafka, starting from the stored model so tasks keep their containers and changelog partitions
 * (planJobModel only bumps the version when something a container acts on changed), and written
 * back fenced when it changed. The executor plans the same model from the same inputs.
 */
import type { CompiledJobConfig } from '../../shared/config/job-config.js';
import type { JobModelStore } from '../../shared/coordination/job-model-store.js';
import type { LeaderToken } from '../../shared/coordination/leader-election.js';
import { createKafka, kafkaPrincipal } from '../../shared/kafka/client.js';
import { namingRefusals } from '../../shared/kafka/errors.js';
import { partitionCount } from '../../shared/kafka/topics.js';
import type { JobModel } from '../../shared/model/job-model.js';
import { planJobModel } from '../../shared/model/plan-job-model.js';
import { groupByPartition, groupBySystemStreamPartition, type InputStream } from '../../shared/model/ssp-grouper.js';

export async function readInputs(config: CompiledJobConfig, brokers: readonly string[]): Promise<InputStream[]> {
  const kafka = createKafka({ brokers: [...brokers], clientId: `sluice-${config.name}-scheduler`, security: config.kafka.security });
  const admin = kafka.admin();
  const principal = kafkaPrincipal(kafka);
  await namingRefusals({}, principal, () => admin.connect());
  try {
    const inputs: InputStream[] = [];
    for (const input of config.inputs)
      inputs.push({ system: 'kafka', topic: input.topic, partitionCount: await partitionCount(admin, input.topic, 'an input', principal) });
    return inputs;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Plans the model for `containerCount` containers, those `away` (given the stored model) with no
 * task, and stores it if it differs from the stored one.
 */
export async function currentJobModel(input: {
  readonly config: CompiledJobConfig;
  readonly inputs: readonly InputStream[];
  readonly containerCount: number;
  readonly away?: (stored: JobModel | undefined) => ReadonlySet<string>;
  readonly store: JobModelStore;
  readonly token: LeaderToken;
}): Promise<JobModel> {
  const stored = await input.store.read();
  const model = planJobModel(stored?.model, input.inputs, {
    job: input.config.name,
    containerCount: input.containerCount,
    grouper: input.config.task.grouper === 'ssp' ? groupBySystemStreamPartition : groupByPartition,
    standbys: input.config.task.standbys,
    away: input.away?.(stored?.model),
  });
  if (stored === null || model.version !== stored.model.version) await input.store.write(model, stored?.version ?? null, input.token);
  return model;
}
