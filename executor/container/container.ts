import type { CompiledJobConfig } from '../../shared/config/job-config.js';
import { isTaskLost, SOLE_OWNERSHIP, TaskLostError, type TaskOwnership } from '../../shared/coordination/task-ownership.js';
import { describeError, SluiceError } from '../../shared/errors.js';
import { closeInOrder, settleAll } from '../../shared/settle-all.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { listTasks, sspKey, type JobModel, type TaskModel } from '../../shared/model/job-model.js';
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { TopicSpec } from '../../shared/kafka/topics.js';
import { openContainerStores } from './container-stores.js';
import { MySqlState } from '../store/mysql/mysql-state.js';
import type { LocalStore } from '../store/local-store.js';
import type { InputRequest, InputSource, StreamSystem, TaskWriter } from '../systems/stream-system.js';
import type { ChangelogCompaction } from '../store/changelog.js';
import { BufferingCollector } from './collector.js';
import type { JobBinding } from '../job/job-binding.js';
import { changelogTopicSpecs } from '../job/changelog-topics.js';
import type { StatusBoard } from './status-board.js';
import { StandbyReplicas } from './standby-replicas.js';
import { TaskInstance } from './task-instance.js';
import { standbyTasksOf } from '../../shared/model/standby-placement.js';

export interface ContainerOptions {
  readonly binding: JobBinding;
  readonly jobModel: JobModel;
  readonly containerId: string;
  readonly system: StreamSystem;
  readonly logger?: Logger;
  /** Where the container reports restore progress and task states (its status endpoint). */
  readonly status?: StatusBoard;
  /** Whether each task is still this container's, and its epoch (default: a container that runs alone owns its tasks). */
  readonly ownership?: TaskOwnership;
  /**
   * Keep the standby replicas the job model gives this container (task.standbys). Only for a
   * container in a process and state dir of its own: containers sharing one would share the copies' DBs.
   */
  readonly keepStandbys?: boolean;
  /** How long a task's clean stop may take before it is abandoned instead (default CLEAN_STOP_MS). */
  readonly cleanStopMs?: number;
}

/** A running container as its runner sees it: how it ends, and how to stop it cleanly. */
export interface ContainerHandle {
  /** Settles when the container has stopped: after `stop()`, at the end of bounded inputs, or on failure. */
  readonly done: Promise<void>;
  /** Stops fetching, lets the current messages finish, commits every task, closes stores. */
  stop(): Promise<void>;
}

export interface RunningContainer extends ContainerHandle {
  /** The tasks it runs now. */
  readonly tasks: readonly TaskInstance[];
  /** A newer job model gave this container the same tasks: keep the standby replicas it names now. */
  followStandbys(jobModel: JobModel): void;
  /**
   * Stops at once WITHOUT committing (the container lost its task claims: another container may
   * own the tasks already); uncommitted work is dropped and done again by their next owner.
   */
  abandon(): Promise<void>;
  /**
   * Per-task hand-over: stops these tasks cleanly (each makes its last commit) and closes what only
   * they used. The other tasks run on, their input delivered throughout.
   */
  dropTasks(names: readonly string[]): Promise<void>;
  /**
   * Per-task hand-over: restores and starts these tasks of `jobModel` (their claims held already),
   * beside the ones running, which run on.
   */
  addTasks(jobModel: JobModel, names: readonly string[]): Promise<void>;
}

/** How long a failed container may take to close everything before its failure is reported anyway. */
const CLEAN_UP_AFTER_FAILURE_MS = 30_000;

/**
 * How long a task's clean stop (its last commit) may take before it is abandoned instead. A clean
 * stop takes well under a second, and one riding out a broker's failover some tens of seconds; a
 * stop that hangs (a task stuck in a step that never ends) must not hold a rescale's hand-over or a
 * SIGTERM forever. Abandoning is safe: the task's next owner goes on from its last
 * checkpoint, and exactly once its InitProducerId aborts what the stop left open.
 */
const CLEAN_STOP_MS = 60_000;

/** A task the container runs, with what only it uses. */
interface TaskSlot {
  readonly model: TaskModel;
  readonly instance: TaskInstance;
  readonly writer: TaskWriter;
  readonly stores: ReadonlyMap<string, LocalStore>;
  /** Its partitions as the input delivers them. */
  readonly inputs: InputRequest['ssps'];
}

/**
 * A container: the tasks the job model gives it, their stores and their inputs. Start order:
 * validate topics → open the input (no partition yet) → add the tasks: open their writers → load
 * their checkpoints → restore their stores → init them → deliver their partitions from the
 * checkpoints. Processing of a task starts only after its stores are restored. A hand-over adds
 * and drops tasks the same way, one task at a time as far as the others are concerned: they run on.
 */
export async function startContainer(options: ContainerOptions): Promise<RunningContainer> {
  const { binding, jobModel, containerId, system } = options;
  const ownership = options.ownership ?? SOLE_OWNERSHIP;
  const { config, job } = binding;
  const logger = options.logger ?? createLogger({ job: config.name, container: containerId });
  const mine = (model: JobModel) => model.containers.find((container) => container.id === containerId);
  const model = mine(jobModel);
  if (!model) {
    throw new SluiceError(
      'CONTAINER_UNKNOWN',
      `container '${containerId}' is not in job model version ${jobModel.version} of job '${config.name}'`,
      {
        context: { job: config.name, container: containerId },
      },
    );
  }
  const specs = binding.stores;
  const { status } = options;
  const cleanStopMs = options.cleanStopMs ?? CLEAN_STOP_MS;
  const replicas = options.keepStandbys === true ? config.task.standbys : 0;
  const latestPerCommit = new Set(config.outputs.filter((output) => output.send === 'latest-per-commit').map((output) => output.topic));

  let changelogPartitions = 0;
  let compaction = new Map<string, ChangelogCompaction>();
  /** Creates the changelog topics (and outputs) a model needs, once more when it needs more changelog partitions. */
  const ensureTopics = async (next: JobModel): Promise<void> => {
    const needed = Math.max(0, ...listTasks(next).map((task) => task.changelogPartition)) + 1;
    if (needed <= changelogPartitions) return;
    const topics: TopicSpec[] = changelogTopicSpecs(binding, needed);
    for (const output of config.outputs) {
      if (output.partitions) topics.push({ topic: output.topic, partitions: output.partitions, compacted: false, purpose: 'an output' });
    }
    // What restore must know of each changelog's compaction, as the topic has it.
    compaction = await system.ensureTopics(topics);
    changelogPartitions = needed;
  };
  await ensureTopics(jobModel);
  await system.partitionCounts(config.inputs.map((input) => ({ topic: input.topic, purpose: 'an input' })));

  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  // What the container opened, closed in reverse order by the shutdown, or at once if the start
  // fails: a failed start must leave no store locked and no consumer in the group (the next
  // attempt, often in this very process, needs them). Each task's own writer and stores close with it.
  const closers: (() => Promise<unknown>)[] = [];
  const slots = new Map<string, TaskSlot>();
  const bySsp = new Map<string, TaskInstance>();
  const life = new ContainerLife(stopRequested, () => [...slots.values()].map((slot) => slot.instance), logger);
  let standbys: StandbyReplicas | undefined;
  // What only tasks use: their stores, then their writers.
  const closeOwn = (stores: Iterable<ReadonlyMap<string, LocalStore>>, writers: Iterable<TaskWriter>) =>
    closeInOrder(
      () => settleAll([...stores].flatMap((byName) => [...byName.values()].map((store) => store.close()))),
      () => settleAll([...writers].map((writer) => writer.close())),
    );
  const closeSlots = (leaving: readonly TaskSlot[]) =>
    closeOwn(
      leaving.map((slot) => slot.stores),
      leaving.map((slot) => slot.writer),
    );
  try {
    // A job with mysql stores keeps its checkpoints in MySQL: each commit is one SQL transaction.
    const mysql = await MySqlState.open(config, specs, logger);
    if (mysql) closers.push(() => mysql.close());
    closers.push(() => closeSlots([...slots.values()]));
    const checkpointStore = mysql?.checkpoints ?? system.checkpoints;
    const input = await system.openInput({
      containerId,
      jobModelVersion: jobModel.version,
      ssps: [],
      onMessages: (ssp, messages, highWatermark) => {
        const task = bySsp.get(sspKey(ssp));
        if (!task) return;
        task.observeHighWatermark(ssp, highWatermark, (messages[messages.length - 1] as { offset: string }).offset);
        task.enqueue(ssp, messages);
      },
      roomFor: async (ssp) => bySsp.get(sspKey(ssp))?.room(),
      onEnd: (ssp) => bySsp.get(sspKey(ssp))?.endOfInput(ssp),
      idle: () => [...slots.values()].every((slot) => slot.instance.idle),
    });
    closers.push(() => input.close());
    life.watchInput(input);
    const deliverAll = () => input.follow([...slots.values()].flatMap((slot) => slot.inputs));

    const addTasks = async (next: JobModel, tasks: readonly TaskModel[]): Promise<void> => {
      if (tasks.length === 0) return;
      if (life.stopping) throw new SluiceError('CONTAINER_STOPPING', 'the container is stopping: it takes on no task');
      const names = tasks.map((task) => task.name);
      await ensureTopics(next);
      // Its copies of tasks it takes on are no longer read by a standby pass, whose DBs the restore opens now.
      await standbys?.follow(standbyTasksOf(next, containerId, replicas));
      // First, as Kafka Streams does: in exactly-once mode opening a task's writer fences its earlier
      // owners and aborts their open transactions, so the checkpoints and changelogs read next are final.
      // In parallel: each may wait for the abort of a dead predecessor's transaction.
      const writers = new Map(
        await Promise.all(tasks.map(async (task) => [task.name, await system.openTaskWriter(task, ownership.epoch(task.name))] as const)),
      );
      const made: TaskSlot[] = [];
      let stores = new Map<string, Map<string, LocalStore>>();
      try {
        const checkpoints = await checkpointStore.load(tasks);
        for (const task of tasks) {
          const written = checkpoints.get(task.name)?.epoch ?? 0n;
          const epoch = ownership.epoch(task.name);
          if (epoch !== 0n && written > epoch) {
            throw new TaskLostError(task.name, `its checkpoint was written by a newer owner (epoch ${written}, ours ${epoch})`);
          }
        }
        logger.info('restoring stores', { tasks: names, stores: specs.length, checkpoints: checkpoints.size });
        status?.restoringTasks(names);
        stores = await openContainerStores({
          config,
          specs,
          tasks,
          checkpoints,
          ownership,
          compaction,
          system,
          writers,
          logger,
          onRestoreProgress: status?.restoreProgress,
          mysql,
        });
        mysql?.attach(stores);
        const startPositions = await resumePositions(tasks, checkpoints, config, system);
        for (const task of tasks) {
          const writer = writers.get(task.name) as TaskWriter;
          const taskStores = stores.get(task.name) as Map<string, LocalStore>;
          const starts = startPositions.get(task.name) as Map<string, string>;
          const instance = new TaskInstance(
            {
              name: task.name,
              ssps: task.ssps,
              task: job.task(task.name),
              stores: taskStores,
              inputSerdes: binding.inputSerdes,
              collector: new BufferingCollector(task.name, binding.outputSerdes, writer.outputs, latestPerCommit),
              outputs: writer.outputs,
              checkpoints: mysql?.checkpoints ?? writer.checkpoints,
              ownership,
              settings: config.task,
              config: config.config,
              logger: logger.child({ task: task.name }),
              labels: { job: config.name, container: containerId },
              requestShutdown: () => requestStop(),
            },
            starts,
          );
          const inputs = task.ssps.map((ssp) => ({ ssp, start: starts.get(sspKey(ssp)) as string, epoch: ownership.epoch(task.name) }));
          made.push({ model: task, instance, writer, stores: taskStores, inputs });
          await instance.start();
        }
        // A shutdown that began meanwhile has stopped every task it knew: these must not run.
        if (life.stopping) throw new SluiceError('CONTAINER_STOPPING', 'the container stopped while tasks were being added');
        for (const slot of made) {
          slots.set(slot.model.name, slot);
          for (const ssp of slot.model.ssps) bySsp.set(sspKey(ssp), slot.instance);
          life.watchTask(slot.instance);
        }
        status?.running(made.map((slot) => slot.instance));
        await deliverAll();
      } catch (error) {
        for (const slot of made) {
          if (slots.get(slot.model.name) === slot) slots.delete(slot.model.name);
          for (const ssp of slot.model.ssps) if (bySsp.get(sspKey(ssp)) === slot.instance) bySsp.delete(sspKey(ssp));
        }
        status?.retire(names);
        // Tasks that started already stop without a commit: nothing of this start may be checkpointed.
        await closeInOrder(
          () => settleAll(made.map((slot) => slot.instance.abandon())),
          () => closeOwn(stores.values(), writers.values()),
        ).catch((closeError: unknown) =>
          logger.warn('could not close the tasks that failed to start', { error: describeError(closeError) }),
        );
        throw error;
      }
    };

    await addTasks(jobModel, model.tasks);
    if (replicas > 0) {
      standbys = new StandbyReplicas({
        config,
        specs,
        changelogs: system.changelogSource,
        checkpoints: checkpointStore,
        compaction,
        logger: logger.child({ component: 'standby-replicas' }),
        status,
        // Checkpoints move once per commit: no use looking more often. A pass opens every copy's
        // DB and a fetcher of its own, so not more often than every 5 s either (a move replays at
        // most those seconds' changelog), and at least every 30 s.
        intervalMs: Math.min(Math.max(config.task.commitMs, 5_000), 30_000),
      });
      const running = standbys;
      closers.push(() => running.close());
    }
    const copies = standbyTasksOf(jobModel, containerId, replicas);
    void standbys?.follow(copies);
    logger.info('container started', {
      tasks: model.tasks.map((task) => task.name),
      jobModelVersion: jobModel.version,
      ...(standbys === undefined ? {} : { standbys: copies.map((task) => task.name) }),
    });

    const dropTasks = async (names: readonly string[]): Promise<void> => {
      const leaving = names.flatMap((name) => slots.get(name) ?? []);
      // A stopping container stops every task itself.
      if (leaving.length === 0 || life.stopping) return;
      for (const slot of leaving) slots.delete(slot.model.name);
      input.stopDelivering(leaving.flatMap((slot) => slot.model.ssps));
      for (const slot of leaving) for (const ssp of slot.model.ssps) bySsp.delete(sspKey(ssp));
      logger.info('stopping tasks that leave the container', { tasks: names });
      const results = await Promise.allSettled(leaving.map((slot) => stopOrAbandon(slot.instance, cleanStopMs, logger)));
      status?.retire(names);
      await closeSlots(leaving);
      // Only now: at least once, their last commits went through the member that claimed them.
      await deliverAll();
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) throw failure.reason;
    };

    return life.running({
      followStandbys: (next) => void standbys?.follow(standbyTasksOf(next, containerId, replicas)),
      // Started with the stop, so a standby pass under way ends while the tasks make their last commits.
      stopping: () => void standbys?.close(),
      input,
      close: () => closeInOrder(...[...closers].reverse(), () => system.close()),
      status,
      cleanStopMs,
      dropTasks,
      addTasks: async (next, names) => {
        const tasks = mine(next)?.tasks.filter((task) => names.includes(task.name)) ?? [];
        await addTasks(next, tasks);
        if (tasks.length > 0) logger.info('tasks added', { tasks: tasks.map((task) => task.name), jobModelVersion: next.version });
      },
    });
  } catch (error) {
    await closeInOrder(
      // Tasks that started already stop without a commit: nothing of this start may be checkpointed.
      () => settleAll([...slots.values()].map((slot) => slot.instance.abandon())),
      ...[...closers].reverse(),
    ).catch((closeError: unknown) => logger.warn('could not close everything after a failed start', { error: describeError(closeError) }));
    throw error;
  }
}

/**
 * How a started container ends: cleanly (stop), abandoning its tasks, by its tasks' end (bounded
 * inputs: every task it runs has ended), by a stop a task requests, or by the first failure of its
 * input or of any task it runs.
 */
class ContainerLife {
  private fail: (error: unknown) => void = () => undefined;
  private finish: () => void = () => undefined;
  private readonly failure = new Promise<unknown>((resolve) => (this.fail = resolve));
  private readonly finished: Promise<void>;
  private readonly ended = new Set<TaskInstance>();
  private shutting: Promise<void> | undefined;

  constructor(
    stopRequested: Promise<void>,
    /** The tasks it runs now (a hand-over adds and drops some). */
    private readonly tasks: () => readonly TaskInstance[],
    private readonly logger: Logger,
  ) {
    this.finished = Promise.race([stopRequested, new Promise<void>((resolve) => (this.finish = resolve))]);
  }

  get stopping(): boolean {
    return this.shutting !== undefined;
  }

  watchInput(input: InputSource): void {
    void input.failed.then((error) => this.fail(error));
  }

  /** A task it runs now: its end or failure is the container's while it still runs it (not after a hand-over dropped it). */
  watchTask(task: TaskInstance): void {
    task.done.then(
      () => {
        this.ended.add(task);
        const tasks = this.tasks();
        if (tasks.includes(task) && tasks.every((each) => this.ended.has(each))) this.finish();
      },
      (error: unknown) => {
        if (this.tasks().includes(task)) this.fail(error);
      },
    );
  }

  running(started: {
    readonly followStandbys: (jobModel: JobModel) => void;
    /** Called as the shutdown begins, before the tasks stop. */
    readonly stopping: () => void;
    readonly input: InputSource;
    /** Closes everything the container opened, each step even if one before it failed. */
    readonly close: () => Promise<void>;
    readonly status: StatusBoard | undefined;
    readonly cleanStopMs: number;
    readonly dropTasks: (names: readonly string[]) => Promise<void>;
    readonly addTasks: (jobModel: JobModel, names: readonly string[]) => Promise<void>;
  }): RunningContainer {
    const { input, close, status, cleanStopMs } = started;
    const logger = this.logger;
    const shutDown = (how: 'stop' | 'abandon'): Promise<void> => {
      const tasks = this.tasks();
      // Pre-emptive, even over a clean stop under way: from here on no task writes a checkpoint.
      if (how === 'abandon') for (const task of tasks) task.abandonNow();
      return (this.shutting ??= (async () => {
        logger.info(how === 'stop' ? 'container stopping' : 'container abandoning its tasks', { tasks: tasks.length });
        started.stopping();
        try {
          input.pause();
        } catch (error) {
          // The tasks stop after their current message anyway; what matters now is that everything closes.
          logger.warn('the input did not pause', { error: describeError(error) });
        }
        // A task's failure is the one reported, but everything is closed whatever failed: a failed
        // container must leave no store locked and no client connected.
        await closeInOrder(async () => {
          const results = await Promise.allSettled(
            tasks.map((task) => (how === 'stop' ? stopOrAbandon(task, cleanStopMs, logger) : task.abandon())),
          );
          status?.retire();
          // A stop that hangs after this line hangs in closing the input, the stores or the clients.
          logger.debug('the tasks have ended; closing the input, the stores and the clients', { tasks: tasks.length });
          // Abandoned tasks keep nothing, so how they ended is no failure of the container's.
          const failure =
            how === 'stop' ? results.find((result): result is PromiseRejectedResult => result.status === 'rejected') : undefined;
          if (failure) throw failure.reason;
        }, close);
        logger.info(how === 'stop' ? 'container stopped' : 'container abandoned its tasks without committing', { tasks: tasks.length });
      })());
    };
    const stop = (): Promise<void> => shutDown('stop');
    const done = Promise.race([this.failure.then((error) => Promise.reject(error)), this.finished]).then(
      () => stop(),
      async (error: unknown) => {
        if (isTaskLost(error)) logger.warn('a task is no longer ours: abandoning every task', { reason: describeError(error) });
        else logger.error('container failed', { error: describeError(error) });
        // A task found it is no longer ours: none of them may commit again on this run.
        const cleanedUp = shutDown(isTaskLost(error) ? 'abandon' : 'stop').then(
          () => true,
          () => true,
        );
        // Bounded: the failure is reported even if a close hangs (a Mesos executor then exits, which frees what it held).
        if (!(await withinMs(cleanedUp, CLEAN_UP_AFTER_FAILURE_MS)))
          logger.error('the clean-up after the failure did not finish in time; the failure is reported without it', {
            seconds: CLEAN_UP_AFTER_FAILURE_MS / 1000,
          });
        throw error;
      },
    );
    done.catch(() => undefined);
    const running = this.tasks;
    return {
      get tasks() {
        return running();
      },
      followStandbys: started.followStandbys,
      done,
      stop,
      abandon: () => shutDown('abandon'),
      dropTasks: started.dropTasks,
      addTasks: started.addTasks,
    };
  }
}

/**
 * Where each task's partitions resume: the offsets in its checkpoint, and for partitions without
 * one the first or the next offset, by the input's reset policy.
 */
async function resumePositions(
  tasks: readonly TaskModel[],
  checkpoints: ReadonlyMap<string, Checkpoint>,
  config: CompiledJobConfig,
  system: StreamSystem,
): Promise<Map<string, Map<string, string>>> {
  const resetOf = new Map(config.inputs.map((input) => [input.topic, input.reset]));
  const positions = new Map(tasks.map((task) => [task.name, new Map(Object.entries(checkpoints.get(task.name)?.inputs ?? {}))]));
  const unstarted = tasks.flatMap((task) =>
    task.ssps
      .filter((ssp) => !positions.get(task.name)?.has(sspKey(ssp)))
      .map((ssp) => ({ task: task.name, ssp, reset: resetOf.get(ssp.topic) ?? 'earliest' })),
  );
  const resolved = await system.resolveStarts(unstarted);
  for (const { task, ssp } of unstarted) positions.get(task)?.set(sspKey(ssp), resolved.get(sspKey(ssp)) as string);
  return positions;
}

/**
 * The task's clean stop, or, past `ms`, its abandonment without the last commit. The warning names
 * the step the task waits in and how long it has, with the durations of its commit's steps so far.
 * Abandoning ends the sends, the acknowledgements and the checkpoint write at once; a task stuck in
 * a step that cannot be cut short (processing, the engine apply, its close) ends when that step does.
 */
async function stopOrAbandon(task: TaskInstance, ms: number, logger: Logger): Promise<void> {
  const stopped = task.stop();
  if (
    await withinMs(
      stopped.then(() => true),
      ms,
    )
  )
    return;
  const { step, ms: stepMs, commitSteps } = task.doing;
  logger.warn('a task did not stop cleanly in time; abandoning it without its last commit', {
    task: task.name,
    seconds: ms / 1000,
    step,
    stepSeconds: Math.round(stepMs / 100) / 10,
    commitStepsMs: commitSteps,
  });
  task.abandonNow();
  await stopped;
}

/** Whether `work` resolved to true within `ms` (false when the time ran out first). */
async function withinMs(work: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
