/**
 * The scheduler's part of a rescale, for container tests without Mesos: an elected leader that
 * plans the job model for N containers with the scheduler's own code (job-model-source.ts) and
 * writes it to ZooKeeper, fenced, exactly as the framework does.
 */
import { once } from 'node:events';
import { readInputs, currentJobModel } from '../../../scheduler/framework/job-model-source.js';
import { loadJobConfig, type CompiledJobConfig } from '../../../shared/config/job-config.js';
import { guardJobRoot } from '../../../shared/coordination/job-root.js';
import { JobModelStore } from '../../../shared/coordination/job-model-store.js';
import { LeaderElection } from '../../../shared/coordination/leader-election.js';
import { readZkCredentials } from '../../../shared/coordination/zk-credentials.js';
import { ZkSession } from '../../../shared/coordination/zk-session.js';
import type { JobModel } from '../../../shared/model/job-model.js';
import type { InputStream } from '../../../shared/model/ssp-grouper.js';
import { kafkaBrokers, zkConnect } from '../../infra/services.js';

export class ModelPublisher {
  private constructor(
    private readonly session: ZkSession,
    private readonly election: LeaderElection,
    private readonly config: CompiledJobConfig,
    private readonly inputs: InputStream[],
    readonly models: JobModelStore,
  ) {}

  static async lead(configFile: string): Promise<ModelPublisher> {
    const config = await loadJobConfig(configFile);
    // Like the scheduler: the job's credentials from its config, and the start check of its root.
    const auth = await readZkCredentials(config.zookeeper);
    const session = new ZkSession({ connect: zkConnect(), ...(auth === undefined ? {} : { auth }), log: { job: config.name } });
    session.start();
    await guardJobRoot(session, config.name, auth);
    const election = new LeaderElection(session, { job: config.name, candidate: 'test-publisher' });
    const elected = once(election, 'elected');
    election.start();
    await elected;
    const inputs = await readInputs(config, kafkaBrokers());
    return new ModelPublisher(session, election, config, inputs, new JobModelStore(session, config.name));
  }

  /** Plans and writes the model for `containers` containers (moving the fewest tasks), those `away` given no task. */
  publish(containers: number, away?: ReadonlySet<string>): Promise<JobModel> {
    return currentJobModel({
      config: this.config,
      inputs: this.inputs,
      containerCount: containers,
      away: () => away ?? new Set(),
      store: this.models,
      token: this.election.token(),
    });
  }

  get zkSession(): ZkSession {
    return this.session;
  }

  async close(): Promise<void> {
    await this.election.stop();
    await this.session.close();
  }
}
