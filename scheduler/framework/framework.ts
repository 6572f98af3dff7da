/**
 * The Sluice framework of one job, run by the elected scheduler: subscribes with the FrameworkID
 * kept in ZooKeeper (stored before anything else is done), reconciles, turns offers into plans
 * (scheduler/planner) and acts on them, follows every task's status (acknowledging each update
 * that carries a uuid), relaunches failed containers with the planner's backoff (never giving up;
 * a failing container is a job error until it runs again), frees a dead container's task claims
 * at once, puts a container lost with its agent away while standby replicas run its tasks
 * (away-containers.ts), and keeps a rescale in ZooKeeper for its successor. Events are handled one
 * at a time, in order.
 */
import type { ApiAccess } from '../../shared/http/http-request.js';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { FencedJsonNode } from '../../shared/coordination/fenced-json-node.js';
import { FrameworkIdStore } from '../../shared/coordination/framework-id-store.js';
import { JobModelStore } from '../../shared/coordination/job-model-store.js';
import type { LeaderToken } from '../../shared/coordination/leader-election.js';
import { LocalityStore } from '../../shared/coordination/locality-store.js';
import type { ZkSession } from '../../shared/coordination/zk-session.js';
import { describeError } from '../../shared/errors.js';
import { createLogger, type Logger } from '../../shared/log.js';
import type { Offer, SchedulerEvent, SchedulerEventSubscribed, TaskStatus } from '../../shared/mesos/index.js';
import type { JobModel } from '../../shared/model/job-model.js';
import type { InputStream } from '../../shared/model/ssp-grouper.js';
import { planOffers } from '../planner/index.js';
import { applyPlan } from './apply-plan.js';
import { failureCause, hasLiveTask, NEW_CONTAINER, transition, type ContainerRecord, type LifecycleEvent } from './container-lifecycle.js';
import { SchedulerError } from './errors.js';
import { buildFrameworkInfo } from './framework-info.js';
import type { FrameworkOptions } from './framework-options.js';
import { containerStatuses, countStates, type FrameworkJobError, type FrameworkStatus } from './framework-status.js';
import { ContainerTable } from './container-table.js';
import { currentJobModel, readInputs } from './job-model-source.js';
import { readContainerReports } from './container-reports.js';
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { EMPTY_LAUNCH_RECORD, LaunchStore, type LaunchRecord } from './launch-store.js';
import { MesosClient } from './mesos-client.js';
import { desiredContainers, scaleStore, type ScaleRecord } from './scale-store.js';
import { OfferStream } from './offer-stream.js';
import { Reconciler } from './reconciler.js';
import { SerialQueue } from '../../shared/serial-queue.js';
import { deleteJobZnodes } from './delete-job-znodes.js';
import { DEFAULT_REMOVE_TIMEOUT_MS, planRelease, RELEASE_FILTER_SECONDS, JobRemoval, type RemovalHost } from './job-removal.js';
import { frameworkMetrics } from './framework-metrics.js';
import { eventForStatus, executorEnded, lostWithAgent } from './task-status.js';
import { containersAway, readyToReturn } from './away-containers.js';
import { releaseDeadContainer } from '../../shared/coordination/dead-container.js';

/** How often the framework looks whether an away container's standby copies have caught up. */
const RETURN_CHECK_MS = 5_000;

/** The key in `errors` of the master's refusal of our credentials or role (container ids are digits). */
const MESOS_REFUSAL = 'mesos';

export interface FrameworkEvents {
  /** A container started failing (reported once per failure streak), Mesos removed the framework, or refused it. */
  jobError: [error: FrameworkJobError];
  /** Every container's state change, for tests and metrics. */
  container: [id: string, record: ContainerRecord];
}

export class Framework extends EventEmitter<FrameworkEvents> {
  private readonly log: Logger;
  private readonly frameworkIds: FrameworkIdStore;
  private readonly jobModels: JobModelStore;
  private readonly localities: LocalityStore;
  private readonly launchStore: LaunchStore;
  private readonly scale: FencedJsonNode<ScaleRecord>;
  private readonly records = new ContainerTable();
  private readonly errors = new Map<string, FrameworkJobError>();
  private readonly reconciler: Reconciler;
  private client: MesosClient | undefined;
  private frameworkId: { id: string; version: number } | null = null;
  private jobModel: JobModel | undefined;
  /** The container ids of `jobModel`. */
  private modelIds: ReadonlySet<string> = new Set();
  private inputs: InputStream[] = [];
  private launches: LaunchRecord = EMPTY_LAUNCH_RECORD;
  private lastHosts = new Map<string, string>();
  private readonly offerStream: OfferStream;
  private readonly queue = new SerialQueue((error) => this.log.error('framework event handling failed', { error: describeError(error) }));
  private stopped = false;
  /** Set once `remove()` has begun: offers then only release the job's reservations. */
  private removal: JobRemoval | undefined;
  private removing: Promise<void> | undefined;
  private returnCheck: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: FrameworkOptions,
    private readonly session: ZkSession,
    private readonly token: () => LeaderToken,
  ) {
    super();
    const job = options.config.name;
    this.log = createLogger({ job, component: 'framework' });
    this.frameworkIds = new FrameworkIdStore(session, job);
    this.jobModels = new JobModelStore(session, job);
    this.localities = new LocalityStore(session, job);
    this.launchStore = new LaunchStore(session, job);
    this.scale = scaleStore(session, job);
    this.offerStream = new OfferStream(
      options.role,
      options.reviveMinIntervalMs,
      (call) => this.mesos().call(call),
      (work) => this.queue.push(work),
    );
    this.reconciler = new Reconciler(
      (tasks) => this.mesos().call({ type: 'RECONCILE', reconcile: { tasks } }),
      options.reconcile ?? {},
      this.log,
    );
  }

  /** Loads the job's state from ZooKeeper, plans the job model, and subscribes. */
  async start(): Promise<void> {
    const stored = await this.frameworkIds.read();
    this.frameworkId = stored === null ? null : { id: stored.frameworkId, version: stored.version };
    this.inputs = await readInputs(this.options.config, this.options.kafkaBrokers);
    // A container an earlier leader put away stays away until its copies have caught up.
    const model = await this.replan(desiredContainers(this.options.config.containers, await this.scale.read()), containersAway);
    this.launches = await this.launchStore.read();
    this.lastHosts = await this.localities.read();
    this.adoptModel(model);
    this.scheduleReturnCheck();
    for (const [container, task] of this.launches.tasks) {
      // A task from an earlier leader: unknown until reconciled, so it is not launched again meanwhile.
      if (this.records.has(container))
        this.records.set(container, { state: { kind: 'launching', agentId: task.agentId }, task, failures: 0 });
    }
    if (this.stopped) return;
    this.client = new MesosClient({
      master: this.options.master,
      frameworkInfo: () => buildFrameworkInfo(this.options, this.frameworkId?.id),
      credential: this.options.secret === undefined ? undefined : { principal: this.options.principal, secret: this.options.secret },
      backoff: this.options.subscribeBackoff,
      log: { job: this.options.config.name },
    });
    this.client.on('subscribed', (subscribed) => this.queue.push(() => this.onSubscribed(subscribed)));
    this.client.on('event', (event) => {
      const receivedAt = performance.now();
      this.queue.push(() => this.onEvent(event, receivedAt));
    });
    this.client.on('disconnected', () => this.reconciler.stop());
    this.client.on('refused', (error) => this.reportRefusal(error.message));
    this.client.start();
  }

  /** Stops acting at once: the Mesos stream is closed (Mesos keeps the tasks for the failover timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.returnCheck);
    this.removal?.abort();
    const closing = this.queue.close();
    this.reconciler.stop();
    this.offerStream.stop();
    await this.client?.stop();
    await closing;
  }

  status(): FrameworkStatus {
    return {
      frameworkId: this.frameworkId?.id,
      subscribed: this.client?.subscribed ?? false,
      jobModelVersion: this.jobModel?.version,
      containers: containerStatuses(this.records, containersAway(this.jobModel)),
      errors: [...this.errors.values()],
    };
  }

  /** The job model it runs and the config it was planned from (read-only; store queries route keys by them). */
  currentModel(): { readonly jobModel: JobModel; readonly config: FrameworkOptions['config'] } | undefined {
    return this.jobModel === undefined ? undefined : { jobModel: this.jobModel, config: this.options.config };
  }

  /** Each live container's own report (tasks, lag, restore progress), by container id. */
  containerReports(): Promise<Map<string, ContainerStatusReport>> {
    return readContainerReports(this.session, this.options.config.name, this.containerApi);
  }

  /** How to reach the containers' own endpoints (their CA, the read token). */
  get containerApi(): ApiAccess {
    return this.options.containerApi ?? {};
  }

  /**
   * Replans the job model for `containers` containers, moving the fewest tasks. Containers that stay
   * hand their tasks over by themselves (they follow the model in ZooKeeper); dropped ones are
   * killed (a clean stop: commit, then their task claims go), new ones are launched.
   */
  async rescale(containers: number): Promise<void> {
    await this.queue.run(async () => {
      // First: whatever happens next, a successor plans for this count.
      await this.scale.write({ containers, configContainers: this.options.config.containers }, this.token());
      const model = await this.replan(containers, containersAway);
      if (model.version === this.jobModel?.version) return;
      this.log.info('rescaling', { containers, jobModelVersion: model.version });
      const kept = new Set(model.containers.map((container) => container.id));
      for (const id of [...this.records.keys()].filter((container) => !kept.has(container))) await this.kill(id);
      this.adoptModel(model);
      this.errors.clear();
      await this.offerStream.revive();
    });
  }

  /**
   * Removes the job (job-removal.ts): kills every container, releases the job's volumes and
   * reservations through offers (waiting at most `removeTimeoutMs`), then TEARDOWN and the job's
   * ZooKeeper nodes. Concurrent calls share one removal; a failed one may be retried. Refused while
   * not subscribed to a framework Mesos knows: deleting its id would strand its tasks.
   */
  remove(): Promise<void> {
    this.removing ??= this.removeOnce().catch((error: unknown) => {
      this.removing = undefined;
      throw error;
    });
    return this.removing;
  }

  private async removeOnce(): Promise<void> {
    const settings = {
      role: this.options.role,
      timeoutMs: this.options.removeTimeoutMs ?? DEFAULT_REMOVE_TIMEOUT_MS,
      releaseFilterSeconds: RELEASE_FILTER_SECONDS,
      declineFilterSeconds: this.options.timings.declineLongSeconds,
    };
    await this.queue.run(async () => {
      // A removal that released everything is not repeated when only the TEARDOWN failed.
      if (this.removal?.phase === 'released') return;
      this.removal = new JobRemoval(this.removalHost(), settings, this.launches.reservations, this.log);
      await this.removal.begin();
    });
    await this.removal?.finished;
    let removed = false;
    await this.queue.run(async () => {
      if (this.frameworkId !== null && this.client?.subscribed !== true) {
        throw new SchedulerError(
          'SCHEDULER_NOT_SUBSCRIBED',
          'the job is not removed: not subscribed to Mesos, so no TEARDOWN can be sent; retry once the scheduler is subscribed',
        );
      }
      this.log.info('removing the job: tearing down the framework');
      if (this.client?.subscribed === true) await this.mesos().call({ type: 'TEARDOWN' });
      this.stopped = true;
      void this.queue.close();
      await this.client?.stop();
      await deleteJobZnodes(this.session, this.options.config.name, this.token());
      removed = true;
    });
    if (!removed)
      throw new SchedulerError(
        'SCHEDULER_NOT_SUBSCRIBED',
        'the job is not removed: this scheduler stopped running the framework (deposed or shutting down); ask the leader again',
      );
  }

  /** The framework as the removal sees it; its offers are planned with no container, so nothing is launched. */
  private removalHost(): RemovalHost {
    const job = this.options.config.name;
    return {
      liveContainers: () =>
        [...this.records]
          .filter(([, record]) => hasLiveTask(record))
          .map(([id, record]) => ({ id, killing: record.state.kind === 'killing' })),
      kill: (id) => this.kill(id),
      plan: (offers) =>
        planRelease({
          job,
          frameworkId: this.frameworkId?.id ?? '',
          options: this.options,
          reservations: this.launches.reservations,
          offers,
          now: Date.now(),
        }),
      apply: (plan) =>
        applyPlan(plan, {
          records: this.records,
          launches: () => this.launches,
          persist: () => Promise.reject(new SchedulerError('SCHEDULER_ILLEGAL_TRANSITION', 'a removal launches nothing')),
          call: (call) => this.mesos().call(call),
          reconcile: () => undefined,
          log: this.log,
          now: Date.now(),
        }),
      call: (call) => this.mesos().call(call),
      later: (work) => this.queue.push(work),
    };
  }

  /**
   * The job model for `containers` containers, stored if it changed; `away` (of the stored model)
   * have no task. Which containers are away is the model's own record: it gives them no task.
   */
  private replan(containers: number, away: (stored: JobModel | undefined) => ReadonlySet<string>): Promise<JobModel> {
    return currentJobModel({
      config: this.options.config,
      inputs: this.inputs,
      containerCount: containers,
      away,
      store: this.jobModels,
      token: this.token(),
    });
  }

  private adoptModel(model: JobModel): void {
    this.jobModel = model;
    const now = Date.now();
    const ids = new Set(model.containers.map((container) => container.id));
    this.modelIds = ids;
    // A container of the old model stays only while its task is being killed.
    for (const [id, record] of this.records) if (!ids.has(id) && record.state.kind !== 'killing') this.records.delete(id);
    for (const container of model.containers) {
      if (!this.records.has(container.id)) this.records.set(container.id, { ...NEW_CONTAINER, state: { kind: 'pending', since: now } });
    }
  }

  private mesos(): MesosClient {
    if (this.client === undefined) throw new SchedulerError('SCHEDULER_NOT_SUBSCRIBED', 'the framework has not subscribed yet');
    return this.client;
  }

  private async onSubscribed(subscribed: SchedulerEventSubscribed): Promise<void> {
    this.errors.delete(MESOS_REFUSAL);
    const id = subscribed.framework_id.value;
    if (this.frameworkId?.id !== id) {
      // Persisted before anything else: a successor must fail over to this id, not register anew.
      const version = await this.frameworkIds.write(id, this.frameworkId?.version ?? null, this.token());
      this.frameworkId = { id, version };
      this.log.info('framework id stored', { frameworkId: id });
    }
    this.offerStream.subscribed();
    this.reconciler.start(
      new Map([...this.records.values()].filter(hasLiveTask).map((record) => [record.task.taskId, record.task.agentId])),
    );
    await this.removal?.onSubscribed();
  }

  private async onEvent(event: SchedulerEvent, receivedAt: number): Promise<void> {
    if (event.type === 'OFFERS') await this.onOffers(event.offers?.offers ?? [], receivedAt);
    else if (event.type === 'UPDATE' && event.update !== undefined) await this.onUpdate(event.update.status);
    else if (event.type === 'ERROR') await this.onError(event.error?.message ?? '');
    else if (event.type === 'FAILURE' && event.failure?.executor_id === undefined)
      this.log.warn('Mesos removed an agent', { agent: event.failure?.agent_id?.value });
    // RESCIND needs nothing: offers are used or declined at once, never held (a rescinded one's ACCEPT fails its tasks).
  }

  private async onOffers(offers: readonly Offer[], receivedAt: number): Promise<void> {
    if (this.removal !== undefined) return this.removal.onOffers(offers);
    const model = this.jobModel;
    if (model === undefined || this.frameworkId === null || offers.length === 0) return;
    const now = Date.now();
    const plan = planOffers({
      jobModel: model,
      resources: this.options.resources,
      storage: this.options.storage,
      containers: new Map([...this.records].map(([id, record]) => [id, record.state])),
      lastHosts: this.lastHosts,
      reservations: this.launches.reservations,
      framework: { frameworkId: this.frameworkId.id, role: this.options.role, principal: this.options.principal },
      offers,
      offersSuppressed: this.offerStream.suppressed,
      now,
      newUuid: randomUUID,
      settings: { ...this.options.timings, launch: this.options.launch },
    });
    // Refreshed by every plan (failures, next attempt); reported once; cleared by a TASK_RUNNING or a rescale.
    for (const error of plan.errors) {
      const known = this.errors.has(error.container);
      this.errors.set(error.container, error);
      if (known) continue;
      this.log.warn('job error: a container keeps failing; it is relaunched with backoff', {
        container: error.container,
        reason: error.message,
      });
      this.emit('jobError', error);
    }
    await applyPlan(plan, {
      records: this.records,
      launches: () => this.launches,
      persist: async (record) => {
        await this.launchStore.write(record, this.token());
        this.launches = record;
      },
      call: (call) => this.mesos().call(call),
      reconcile: (tasks) => this.reconciler.start(tasks),
      log: this.log,
      now,
    });
    const job = this.options.config.name;
    frameworkMetrics.offers.inc({ job, outcome: 'accepted' }, plan.accepts.length);
    frameworkMetrics.offers.inc({ job, outcome: 'declined' }, plan.declines.length);
    frameworkMetrics.launches.inc({ job }, plan.placements.length);
    if (plan.placements.length > 0) frameworkMetrics.offerToLaunch.observe({ job }, (performance.now() - receivedAt) / 1000);
    for (const placement of plan.placements)
      this.emit('container', placement.container, this.records.get(placement.container) ?? NEW_CONTAINER);
    countStates(this.options.config.name, this.records);
    if (plan.offerStream === 'suppress') {
      await this.offerStream.suppress();
    } else if (plan.offerStream === 'revive') {
      await this.offerStream.revive();
    }
  }

  private async onUpdate(status: TaskStatus): Promise<void> {
    const taskId = status.task_id.value;
    frameworkMetrics.updates.inc({ job: this.options.config.name, state: status.state });
    this.reconciler.seen(taskId);
    try {
      const entry = this.records.liveAttempt(taskId);
      const event = eventForStatus(status.state, entry?.[1].state.kind === 'killing');
      if (entry === undefined) {
        // Not the live attempt of any container (stale, or from a forgotten launch): it must not run.
        if (event === undefined || event === 'running')
          await this.mesos()
            .call({ type: 'KILL', kill: { task_id: status.task_id, ...(status.agent_id ? { agent_id: status.agent_id } : {}) } })
            .catch(() => undefined);
      } else if (event !== undefined) {
        // Before the relaunch can be planned: its successor then finds the tasks free at once.
        if (executorEnded(status)) await this.releaseDeadContainer(entry[0]);
        else if (event === 'failed') await this.shutDownExecutor(status);
        await this.move(entry[0], entry[1], event, status);
        if (event === 'failed' && lostWithAgent(status)) await this.putAway(entry[0]);
      }
      await this.removal?.onContainers();
    } finally {
      // Acknowledged whatever happened above: Mesos would otherwise hold every later update of the task.
      if (status.uuid !== undefined && status.uuid.length > 0 && status.agent_id !== undefined) {
        await this.mesos().call({
          type: 'ACKNOWLEDGE',
          acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
        });
      }
    }
  }

  /** The executor process of the container's live attempt is gone: free its claims now, not when its session expires. */
  private async releaseDeadContainer(id: string): Promise<void> {
    const released = await releaseDeadContainer(this.session.client, this.options.config.name, id).catch((error: unknown) => {
      this.log.warn('could not release a dead container; its claims go when its session expires', {
        container: id,
        error: describeError(error),
      });
      return undefined;
    });
    if (released)
      this.log.info('released the claims of a dead container', { container: id, session: released.session, tasks: released.tasks });
  }

  /**
   * The executor said its container failed: it exits by itself, but a Mesos agent never ends an
   * executor whose tasks are over (slave.cpp), so SHUTDOWN makes sure it does (killed after its
   * grace period), and that it does not hold its volume's DB locks against the relaunch.
   */
  private async shutDownExecutor(status: TaskStatus): Promise<void> {
    if (status.source !== 'SOURCE_EXECUTOR' || status.executor_id === undefined || status.agent_id === undefined) return;
    await this.mesos()
      .call({ type: 'SHUTDOWN', shutdown: { executor_id: status.executor_id, agent_id: status.agent_id } })
      .catch((error: unknown) =>
        this.log.warn('could not shut down the executor of a failed container', {
          executor: status.executor_id?.value,
          error: describeError(error),
        }),
      );
  }

  private async move(id: string, record: ContainerRecord, event: LifecycleEvent, status: TaskStatus): Promise<void> {
    const next = transition(record, event, Date.now(), undefined, failureCause(status));
    this.records.set(id, next);
    if (next.state.kind === record.state.kind && event !== 'failed') return;
    const fields = { container: id, task: status.task_id.value, state: status.state, from: record.state.kind, to: next.state.kind };
    if (event === 'failed')
      this.log.warn('container failed', { ...fields, reason: status.reason, message: status.message, failures: next.failures });
    else this.log.info('container state changed', fields);
    this.emit('container', id, next);
    countStates(this.options.config.name, this.records);
    if (event === 'running') this.errors.delete(id);
    if (event === 'running' && record.task !== undefined) {
      this.lastHosts.set(id, record.task.hostname);
      await this.localities
        .write(id, record.task.hostname)
        .catch((error: unknown) => this.log.warn('cannot record locality', { container: id, error: describeError(error) }));
    }
    if (!this.modelIds.has(id) && next.state.kind !== 'killing') this.records.delete(id);
    if (next.state.kind === 'failed' || next.state.kind === 'pending') await this.offerStream.revive();
  }

  /**
   * The container's agent is gone, and with it its local state: with standby replicas its tasks go
   * on from their copies on the other containers now, instead of after its relaunch elsewhere and a
   * full restore. They claim the tasks once its ZooKeeper session expires (the process's fate is
   * unknown, so its claims are not freed early). It is relaunched as usual, with no task.
   */
  private async putAway(id: string): Promise<void> {
    const model = this.jobModel;
    if (model === undefined || this.options.config.task.standbys === 0) return;
    const away = containersAway(model);
    if (away.has(id) || model.containers.every((container) => container.id === id || away.has(container.id))) return;
    const next = await this.replan(model.containers.length, (stored) => new Set([...containersAway(stored), id]));
    this.log.warn('a container was lost with its agent: its tasks go on from their standby replicas until its own copies catch up', {
      container: id,
      jobModelVersion: next.version,
    });
    this.adoptModel(next);
    this.scheduleReturnCheck();
  }

  private scheduleReturnCheck(): void {
    if (this.returnCheck !== undefined || containersAway(this.jobModel).size === 0 || this.stopped) return;
    this.returnCheck = setTimeout(() => {
      this.returnCheck = undefined;
      this.queue.push(() => this.checkReturns());
    }, RETURN_CHECK_MS);
  }

  /** Gives the away containers whose copies have caught up their share of tasks again (among those copies). */
  private async checkReturns(): Promise<void> {
    const model = this.jobModel;
    try {
      if (model === undefined || this.removal !== undefined) return;
      const running = [...containersAway(model)].filter((id) => this.records.get(id)?.state.kind === 'running');
      if (running.length === 0) return;
      const reports = await this.containerReports().catch(() => new Map<string, ContainerStatusReport>());
      const ready = running.filter((id) => readyToReturn(reports.get(id), model.version));
      if (ready.length === 0) return;
      const next = await this.replan(
        model.containers.length,
        (stored) => new Set([...containersAway(stored)].filter((id) => !ready.includes(id))),
      );
      this.log.info('containers back from away: their standby copies caught up, they take tasks again', {
        containers: ready,
        jobModelVersion: next.version,
      });
      this.adoptModel(next);
    } finally {
      this.scheduleReturnCheck();
    }
  }

  private async kill(id: string): Promise<void> {
    const record = this.records.get(id);
    if (record === undefined) return;
    if (hasLiveTask(record)) {
      await this.mesos().call({ type: 'KILL', kill: { task_id: { value: record.task.taskId }, agent_id: { value: record.task.agentId } } });
      this.records.set(id, transition(record, 'kill', Date.now()));
    } else {
      this.records.set(id, transition(record, 'reset', Date.now()));
    }
  }

  /** Shown in the job's errors until a subscription succeeds: the job cannot run until the master's or our side is fixed. */
  private reportRefusal(message: string): void {
    const known = this.errors.get(MESOS_REFUSAL)?.message === message;
    this.errors.set(MESOS_REFUSAL, { code: 'SCHEDULER_MESOS_REFUSED', message });
    if (!known) this.emit('jobError', { code: 'SCHEDULER_MESOS_REFUSED', message });
  }

  private async onError(message: string): Promise<void> {
    this.log.error('Mesos sent an error', { message });
    // A removed framework id can never subscribe again, and re-subscribing after another scheduler
    // took our id over would fight it for the framework: stop acting in both cases.
    const code = /failed over/i.test(message)
      ? 'FRAMEWORK_FAILED_OVER'
      : /removed|torn down/i.test(message)
        ? 'FRAMEWORK_REMOVED'
        : undefined;
    if (code === undefined) return;
    const error: FrameworkJobError = { code, message: `Mesos: ${message}` };
    this.errors.set('', error);
    this.emit('jobError', error);
    this.stopped = true;
    this.removal?.abort();
    void this.queue.close();
    await this.client?.stop();
  }
}
