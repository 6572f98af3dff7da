/**
 * A container that follows the job model in ZooKeeper instead of a fixed one: it registers
 * (ephemeral node), watches `/sluice/<job>/jobmodel/current`, and on every new version hands its
 * tasks over through the per-task claims of the hand-over barrier, so no task is ever processed by
 * two containers at once:
 *
 *   lost tasks:   stop (final commit) → release their claims
 *   gained tasks: await their claims (released by the giver, or its session ended) → restore → start
 *   kept tasks:   run on throughout, their input never paused
 *
 * Release always comes before await (never hold-and-wait), so containers swapping tasks cannot
 * deadlock. Changes are handled one at a time, always towards the newest model seen (a version
 * skipped meanwhile needs no hand-over of its own, since claims are per task, not per version).
 * With ZooKeeper unreachable the container keeps processing on its current model; if its session
 * expires the claims are gone, so its tasks are abandoned at once WITHOUT a commit and claimed
 * again on the next session.
 */
import os from 'node:os';
import { ContainerRegistration } from '../../shared/coordination/container-registry.js';
import { hasZkCode } from '../../shared/coordination/errors.js';
import { HandOverBarrier } from '../../shared/coordination/hand-over-barrier.js';
import { guardJobRoot } from '../../shared/coordination/job-root.js';
import { isTaskLost, type TaskOwnership } from '../../shared/coordination/task-ownership.js';
import { JobModelStore } from '../../shared/coordination/job-model-store.js';
import type { DigestAuth } from '../../shared/coordination/zk-acl.js';
import { ZkSession } from '../../shared/coordination/zk-session.js';
import { describeError, isSluiceError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { ContainerModel, JobModel } from '../../shared/model/job-model.js';
import { SerialQueue } from '../../shared/serial-queue.js';
import type { ContainerHandle, RunningContainer } from '../container/container.js';
import { StatusBoard } from '../container/status-board.js';
import { startStatusServer, type StatusListen, type StatusServer } from '../http/status-server.js';
import { queryableTasks } from '../http/store-query.js';
import { planHandOver, type HandOverPlan } from './hand-over-plan.js';

export interface CoordinatedContainerOptions {
  readonly job: string;
  readonly containerId: string;
  /** ZooKeeper connect string. */
  readonly zookeeper: string;
  /** The job's ZooKeeper credentials (zk-credentials.ts); with them its nodes are its own, checked at start. */
  readonly zookeeperAuth?: DigestAuth;
  /**
   * Starts this container's tasks of a job model: restores their stores (reporting to `status`), then processes,
   * writing only while `ownership` says the tasks' claims hold.
   */
  readonly start: (jobModel: JobModel, status: StatusBoard, ownership: TaskOwnership) => Promise<RunningContainer>;
  /** Where its status endpoint listens and how it is secured (default 127.0.0.1, any free port, plain HTTP). */
  readonly http?: StatusListen;
  readonly logger: Logger;
  /** How long to wait for a giver to release a task before logging who holds it and waiting on (default 30 s). */
  readonly claimTimeoutMs?: number;
  /** ZooKeeper session timeout (default 10 s). */
  readonly sessionTimeoutMs?: number;
  /** For the registration node (default os.hostname()). */
  readonly host?: string;
}

export interface HandOverRecord {
  readonly version: number;
  readonly action: string;
  readonly lost: readonly string[];
  readonly gained: readonly string[];
  /** From seeing the model to running on it. */
  readonly ms: number;
}

export class CoordinatedContainer implements ContainerHandle {
  readonly done: Promise<void>;
  private readonly session: ZkSession;
  private readonly registration: ContainerRegistration;
  private readonly barrier: HandOverBarrier;
  private readonly models: JobModelStore;
  private readonly queue: SerialQueue;
  private readonly ownership: TaskOwnership;
  private unwatch: () => void = () => undefined;
  private latest: { model: JobModel; seenAt: number } | undefined;
  /** The model the running tasks were started on, and this container's part of it. */
  private current: { model: JobModel; mine: ContainerModel | undefined } | undefined;
  private running: RunningContainer | undefined;
  private stopping: Promise<void> | undefined;
  private finish: (error?: unknown) => void = () => undefined;
  private firstStart: ((error?: unknown) => void) | undefined;
  private readonly records: HandOverRecord[] = [];
  private constructor(
    private readonly options: CoordinatedContainerOptions,
    readonly status: StatusBoard,
    private readonly http: StatusServer,
  ) {
    const { job, containerId } = options;
    this.session = new ZkSession({
      connect: options.zookeeper,
      sessionTimeoutMs: options.sessionTimeoutMs,
      ...(options.zookeeperAuth === undefined ? {} : { auth: options.zookeeperAuth }),
      log: { job, container: containerId },
    });
    const host = options.host ?? os.hostname();
    this.registration = new ContainerRegistration(this.session, job, { id: containerId, host, pid: process.pid, url: http.url });
    this.barrier = new HandOverBarrier(this.session, { job, containerId });
    const barrier = this.barrier;
    this.ownership = {
      holds: (task) => barrier.holds(task),
      // Not held: an epoch below every claim's, which restore and the checkpoint check treat as not ours.
      epoch: (task) => barrier.epochOf(task) ?? -1n,
    };
    this.models = new JobModelStore(this.session, job);
    this.queue = new SerialQueue((error) => this.fail(error));
    this.done = new Promise<void>((resolve, reject) => (this.finish = (error) => (error === undefined ? resolve() : reject(error))));
    this.done.catch(() => undefined);
  }

  /**
   * Joins the job: registers, then runs the tasks the newest job model gives this container.
   * Resolves once they run (stores restored); a container the model does not name yet waits for one that does.
   */
  static async start(options: CoordinatedContainerOptions): Promise<CoordinatedContainer> {
    const status = new StatusBoard(options.containerId);
    // Store queries read the running tasks' stores; the newest model names the owner of any other task.
    const self: { container?: CoordinatedContainer } = {};
    const stores = () => ({
      container: options.containerId,
      tasks: queryableTasks(self.container?.running?.tasks ?? []),
      model: self.container?.latest?.model,
    });
    const http = await startStatusServer(() => status.report(), options.http ?? { host: '127.0.0.1', port: 0 }, stores);
    const container = (self.container = new CoordinatedContainer(options, status, http));
    await container.begin();
    return container;
  }

  /** The hand-overs this container went through, oldest first (for tests and the status API). */
  get handOvers(): readonly HandOverRecord[] {
    return this.records;
  }

  /** The job model version this container runs on, once it runs. */
  get modelVersion(): number | undefined {
    return this.current?.model.version;
  }

  /** Stops the tasks cleanly (commit), releases their claims, deregisters and closes the session. */
  stop(): Promise<void> {
    return this.end();
  }

  /** Ends with `error` (or the stop's own failure); the first call decides. */
  private end(error?: unknown): Promise<void> {
    this.stopping ??= (async () => {
      this.unwatch();
      await this.queue.close();
      const running = this.running;
      this.running = undefined;
      let failure: unknown;
      // Tasks whose claims are gone (a KILL while partitioned from ZooKeeper) must not commit on the way out.
      const owned = running?.tasks.every((task) => this.barrier.holds(task.name)) ?? true;
      await (owned ? running?.stop() : running?.abandon())?.catch((error: unknown) => {
        if (!isTaskLost(error)) failure = error;
      });
      await this.barrier.release(this.barrier.heldTasks()).catch(() => undefined);
      this.barrier.stop();
      await this.registration.stop().catch(() => undefined);
      await this.session.close();
      await this.http.close();
      const outcome = error ?? failure;
      this.firstStart?.(outcome ?? new Error('stopped before the container started'));
      this.finish(outcome);
    })();
    return this.stopping;
  }

  private async begin(): Promise<void> {
    this.session.start();
    try {
      await guardJobRoot(this.session, this.options.job, this.options.zookeeperAuth);
    } catch (error) {
      await this.end(error).catch(() => undefined);
      throw error;
    }
    this.registration.start();
    this.barrier.start();
    this.barrier.on('lost', (tasks) => {
      // At once, not behind the queue (a restore may be running there): nothing may commit from now on.
      void this.running?.abandon().catch(() => undefined);
      this.queue.push(() => this.onClaimsLost(tasks));
    });
    const started = new Promise<void>(
      (resolve, reject) => (this.firstStart = (error) => (error === undefined ? resolve() : reject(error))),
    );
    this.unwatch = this.models.watch(({ model }) => {
      this.latest = { model, seenAt: performance.now() };
      this.queue.push(() => this.follow());
    });
    try {
      await started;
    } catch (error) {
      await this.end(error).catch(() => undefined);
      throw error;
    }
  }

  /** Moves from the current model to the newest one seen. */
  private async follow(): Promise<void> {
    const target = this.latest;
    if (target === undefined || this.stopping !== undefined) return;
    if (this.current !== undefined && this.current.model.version >= target.model.version) return;
    const { containerId, logger } = this.options;
    const mine = target.model.containers.find((container) => container.id === containerId);
    const plan = planHandOver(this.current?.mine, mine);
    if (plan.action === 'wait') {
      logger.info('the job model does not name this container; waiting for one that does', { jobModelVersion: target.model.version });
      return;
    }
    logger.info('following a new job model', {
      jobModelVersion: target.model.version,
      action: plan.action,
      lost: plan.lost,
      gained: plan.gained,
      changed: plan.changed,
    });
    const running = this.running;
    if (plan.action === 'hand-over' && running !== undefined) {
      if (!(await this.handOver(running, target, mine, plan))) return;
    } else if (plan.action !== 'keep') {
      if (plan.action === 'leave') {
        this.running = undefined;
        await running?.stop().catch((error: unknown) => this.stoppedWithoutCommit(error));
      }
      // Every claim the new model does not give us: the lost tasks, and any task claimed for a model
      // that was overtaken before it ran (its next owner waits for the claim).
      await this.keepOnlyClaimsOf(mine?.tasks ?? []);
      if (plan.action !== 'leave') {
        // Tasks of the model it ran are still ours (a lost session would have abandoned them): claim only the gained.
        await this.claim(plan.gained, target.model.version);
        if (this.latest !== target) {
          // A newer model came while we waited. Nothing runs now, so follow that one from a standing
          // start: its tasks we already claimed are ours again at once, the others are released.
          this.current = undefined;
          this.queue.push(() => this.follow());
          return;
        }
        this.running = await this.options.start(target.model, this.status, this.ownership);
        this.watchRunning(this.running);
      }
    }
    // Kept tasks: the model may still place other tasks' standby replicas here now.
    if (plan.action === 'keep') this.running?.followStandbys(target.model);
    this.current = { model: target.model, mine };
    this.status.setModelVersion(target.model.version);
    await this.registration.setModelVersion(target.model.version).catch((error: unknown) => {
      logger.warn('could not publish the job model version; it is published with the next change', { error: describeError(error) });
    });
    const ms = Math.round(performance.now() - target.seenAt);
    this.records.push({ version: target.model.version, action: plan.action, lost: plan.lost, gained: plan.gained, ms });
    logger.info('running on the new job model', { jobModelVersion: target.model.version, action: plan.action, ms });
    this.firstStart?.();
    this.firstStart = undefined;
    // Not awaited: stopping waits for the queue, and this runs in it.
    if (plan.action === 'leave') void this.stop();
  }

  /**
   * Per-task hand-over on the running container: the lost and changed tasks stop (each with its last
   * commit), the lost ones' claims go, the gained ones are claimed (the running tasks go on while their
   * givers release them, which for a lost container takes its whole session), then the gained and
   * changed tasks restore and start. Never a hold-and-wait on what the new model takes away: release
   * comes before the wait. False when it did not complete (overtaken by a newer model, which is
   * followed next, or the container stopped meanwhile).
   */
  private async handOver(
    running: RunningContainer,
    target: { model: JobModel },
    mine: ContainerModel | undefined,
    plan: HandOverPlan,
  ): Promise<boolean> {
    const leaving = new Set([...plan.lost, ...plan.changed]);
    await running.dropTasks([...leaving]).catch((error: unknown) => this.stoppedWithoutCommit(error));
    await this.keepOnlyClaimsOf(mine?.tasks ?? []);
    const kept = (this.current?.mine?.tasks ?? []).filter((task) => !leaving.has(task.name));
    await this.claim(plan.gained, target.model.version);
    if (this.latest !== target && this.current !== undefined) {
      // Overtaken while waiting: the kept tasks are what runs, and only their claims are kept (the
      // newest model may give a gained task to another container, which waits for its claim). The
      // newest model is followed from there: the claims it gives us are taken again.
      await this.keepOnlyClaimsOf(kept);
      this.current = { model: this.current.model, mine: { id: this.options.containerId, tasks: kept } };
      this.queue.push(() => this.follow());
      return false;
    }
    try {
      await running.addTasks(target.model, [...plan.gained, ...plan.changed]);
    } catch (error) {
      // Its claims ended meanwhile (the container abandons its tasks and starts over) or it is stopping.
      if (isSluiceError(error) && error.code === 'CONTAINER_STOPPING') return false;
      throw error;
    }
    running.followStandbys(target.model);
    return true;
  }

  /** Releases every claim it holds but those of `tasks`. */
  private async keepOnlyClaimsOf(tasks: readonly { readonly name: string }[]): Promise<void> {
    const kept = new Set(tasks.map((task) => task.name));
    await this.barrier.release(this.barrier.heldTasks().filter((task) => !kept.has(task)));
  }

  /** A task's final commit found its claim gone: it was abandoned, and its next owner goes on from its last checkpoint. */
  private stoppedWithoutCommit(error: unknown): void {
    if (!isTaskLost(error)) throw error;
    this.options.logger.warn('lost tasks during their final commit; they stopped without it', { reason: describeError(error) });
  }

  /**
   * Claims the tasks, waiting for their givers; a slow giver is named in the log, then waited for
   * again, unless a newer model came meanwhile: then it returns without them all, and the caller
   * follows the newer one (which may give a task it holds to the container it waits for).
   */
  private async claim(tasks: readonly string[], version: number): Promise<void> {
    for (;;) {
      try {
        await this.barrier.awaitReleased(tasks, { timeoutMs: this.options.claimTimeoutMs ?? 30_000, modelVersion: version });
        return;
      } catch (error) {
        if (this.stopping !== undefined) throw error;
        if (hasZkCode(error, 'ZK_SESSION_EXPIRED')) {
          // Claims need a live session: wait for the next one (never retry at once, which would spin).
          await this.session.ready().catch(() => undefined);
        } else if (hasZkCode(error, 'ZK_TIMEOUT')) {
          if ((this.latest?.model.version ?? version) > version) return;
          this.options.logger.warn('still waiting for tasks to be released', { reason: describeError(error) });
        } else {
          throw error;
        }
      }
    }
  }

  /** The session ended and took the claims: another container may own the tasks already. */
  private async onClaimsLost(tasks: readonly string[]): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.options.logger.warn('abandoning the tasks without a commit: their claims ended with the ZooKeeper session', { tasks });
    await this.startOver(running);
  }

  /** A task found it is no longer ours (its claim's lease lapsed, or a newer owner wrote): abandon, claim again, start over. */
  private async onTaskLost(running: RunningContainer, error: unknown): Promise<void> {
    if (this.running !== running) return;
    this.options.logger.warn('abandoning the tasks without a commit: one of them is no longer ours', { reason: describeError(error) });
    await this.startOver(running);
  }

  private async startOver(running: RunningContainer): Promise<void> {
    this.running = undefined;
    this.current = undefined;
    // The hand-over that follows is timed from now, not from when the model was first seen.
    if (this.latest !== undefined) this.latest = { model: this.latest.model, seenAt: performance.now() };
    await running.abandon();
    // Claim them again (the giver is us, gone with the old session) and start over on the newest model.
    await this.follow();
  }

  /** A container that ends by itself (failure, or task shutdown) ends the whole coordinated container. */
  private watchRunning(running: RunningContainer): void {
    running.done.then(
      () => {
        if (this.running === running) void this.stop();
      },
      (error: unknown) => {
        if (this.running !== running) return;
        if (isTaskLost(error)) {
          this.queue.push(() => this.onTaskLost(running, error));
          return;
        }
        // It has shut itself down already (or given up on a hung close): ending must not wait for it again.
        this.running = undefined;
        this.fail(error);
      },
    );
  }

  private fail(error: unknown): void {
    this.options.logger.error('the coordinated container failed', { error: describeError(error) });
    void this.end(error);
  }
}
