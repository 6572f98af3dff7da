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
import type { InputSource, StreamSystem, TaskWriter } from '../systems/stream-system.js';
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
  readonly tasks: readonly TaskInstance[];
  /** A newer job model gave this container the same tasks: keep the standby replicas it names now. */
  followStandbys(jobModel: JobModel): void;
  /**
   * Stops at once WITHOUT committing (the container lost its task claims: another container may
   * own the tasks already); uncommitted work is dropped and done again by their next owner.
   */
  abandon(): Promise<void>;
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

/** The input of a container without tasks: nothing to read, nothing to fail. */
const NO_INPUT: InputSource = { pause: () => undefined, close: async () => undefined, failed: new Promise<Error>(() => undefined) };

/**
 * A container: the tasks the job model gives it, their stores and their inputs. Start order:
 * validate topics → load checkpoints → restore every store → init tasks → start inputs from the
 * checkpoints. Processing of a task starts only after its stores are restored.
 */
export async function startContainer(options: ContainerOptions): Promise<RunningContainer> {
  const { binding, jobModel, containerId, system } = options;
  const ownership = options.ownership ?? SOLE_OWNERSHIP;
  const { config, job } = binding;
  const logger = options.logger ?? createLogger({ job: config.name, container: containerId });
  const model = jobModel.containers.find((container) => container.id === containerId);
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

  const changelogPartitions = Math.max(0, ...listTasks(jobModel).map((task) => task.changelogPartition)) + 1;
  const topics: TopicSpec[] = changelogTopicSpecs(binding, changelogPartitions);
  for (const output of config.outputs) {
    if (output.partitions) topics.push({ topic: output.topic, partitions: output.partitions, compacted: false, purpose: 'an output' });
  }
  // What restore must know of each changelog's compaction, as the topic has it.
  const compaction = await system.ensureTopics(topics);
  await system.partitionCounts(config.inputs.map((input) => ({ topic: input.topic, purpose: 'an input' })));

  // First, as Kafka Streams does: in exactly-once mode opening a task's writer fences its earlier
  // owners and aborts their open transactions, so the checkpoints and changelogs read next are final.
  // In parallel: each may wait for the abort of a dead predecessor's transaction. The system closes them.
  const writers = new Map(
    await Promise.all(model.tasks.map(async (task) => [task.name, await system.openTaskWriter(task, ownership.epoch(task.name))] as const)),
  );
  const { status } = options;
  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  // What this start opened, closed in reverse order by the shutdown, or at once if the start fails:
  // a failed start must leave no store locked and no consumer in the group (the next attempt, often
  // in this very process, needs them).
  const closers: (() => Promise<unknown>)[] = [];
  let tasks: TaskInstance[] = [];
  try {
    // A job with mysql stores keeps its checkpoints in MySQL: each commit is one SQL transaction.
    const mysql = await MySqlState.open(config, specs, logger);
    if (mysql) closers.push(() => mysql.close());
    const checkpoints = await (mysql?.checkpoints ?? system.checkpoints).load(model.tasks);
    for (const task of model.tasks) {
      const written = checkpoints.get(task.name)?.epoch ?? 0n;
      const mine = ownership.epoch(task.name);
      if (mine !== 0n && written > mine) {
        throw new TaskLostError(task.name, `its checkpoint was written by a newer owner (epoch ${written}, ours ${mine})`);
      }
    }
    logger.info('restoring stores', { tasks: model.tasks.length, stores: specs.length, checkpoints: checkpoints.size });
    status?.restoringTasks(model.tasks.map((task) => task.name));
    const stores = await openContainerStores({
      config,
      specs,
      tasks: model.tasks,
      checkpoints,
      ownership,
      compaction,
      system,
      writers,
      logger,
      onRestoreProgress: status?.restoreProgress,
      mysql,
    });
    closers.push(() => settleAll([...stores.values()].flatMap((taskStores) => [...taskStores.values()].map((store) => store.close()))));
    mysql?.attach(stores);

    const startPositions = await resumePositions(model.tasks, checkpoints, config, system);
    const latestPerCommit = new Set(config.outputs.filter((output) => output.send === 'latest-per-commit').map((output) => output.topic));
    const created = model.tasks.map((task) => {
      const writer = writers.get(task.name) as TaskWriter;
      return new TaskInstance(
        {
          name: task.name,
          ssps: task.ssps,
          task: job.task(task.name),
          stores: stores.get(task.name) as Map<string, LocalStore>,
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
        startPositions.get(task.name) as Map<string, string>,
      );
    });
    tasks = created;
    for (const task of created) await task.start();
    status?.running(created);

    const bySsp = new Map<string, TaskInstance>();
    model.tasks.forEach((task, index) => task.ssps.forEach((ssp) => bySsp.set(sspKey(ssp), created[index] as TaskInstance)));
    // A container with no task (its agent was lost, it keeps standby replicas until tasks come back) reads no input.
    const input =
      model.tasks.length === 0
        ? NO_INPUT
        : await system.openInput({
            containerId,
            jobModelVersion: jobModel.version,
            ssps: model.tasks.flatMap((task) =>
              task.ssps.map((ssp) => ({
                ssp,
                start: startPositions.get(task.name)?.get(sspKey(ssp)) as string,
                epoch: ownership.epoch(task.name),
              })),
            ),
            onMessages: (ssp, messages, highWatermark) => {
              const task = bySsp.get(sspKey(ssp));
              if (!task) return;
              task.observeHighWatermark(ssp, highWatermark, (messages[messages.length - 1] as { offset: string }).offset);
              task.enqueue(ssp, messages);
            },
            roomFor: async (ssp) => bySsp.get(sspKey(ssp))?.room(),
            onEnd: (ssp) => bySsp.get(sspKey(ssp))?.endOfInput(ssp),
            idle: () => created.every((task) => task.idle),
          });
    closers.push(() => input.close());
    const replicas = options.keepStandbys === true ? config.task.standbys : 0;
    const standbys =
      replicas > 0
        ? new StandbyReplicas({
            config,
            specs,
            changelogs: system.changelogSource,
            checkpoints: mysql?.checkpoints ?? system.checkpoints,
            compaction,
            logger: logger.child({ component: 'standby-replicas' }),
            status,
            // Checkpoints move once per commit: no use looking more often. A pass reads through a
            // one-off consumer group, so not more often than every 5 s either (a move replays at
            // most those seconds' changelog), and at least every 30 s.
            intervalMs: Math.min(Math.max(config.task.commitMs, 5_000), 30_000),
          })
        : undefined;
    const copies = standbys === undefined ? [] : standbyTasksOf(jobModel, containerId, replicas);
    if (standbys !== undefined) {
      closers.push(() => standbys.close());
      standbys.follow(copies);
    }
    logger.info('container started', {
      tasks: created.map((task) => task.name),
      jobModelVersion: jobModel.version,
      ...(standbys === undefined ? {} : { standbys: copies.map((task) => task.name) }),
    });
    return running({
      followStandbys: (next) => standbys?.follow(standbyTasksOf(next, containerId, replicas)),
      // Started with the stop, so a standby pass under way ends while the tasks make their last commits.
      stopping: () => void standbys?.close(),
      tasks: created,
      input,
      stopRequested,
      close: () => closeInOrder(...[...closers].reverse(), () => system.close()),
      status,
      logger,
      cleanStopMs: options.cleanStopMs ?? CLEAN_STOP_MS,
    });
  } catch (error) {
    await closeInOrder(
      // Tasks that started already stop without a commit: nothing of this start may be checkpointed.
      () => settleAll(tasks.map((task) => task.abandon())),
      ...[...closers].reverse(),
    ).catch((closeError: unknown) => logger.warn('could not close everything after a failed start', { error: describeError(closeError) }));
    throw error;
  }
}

/**
 * The started container: how it stops (cleanly, or abandoning its tasks), and how it ends by
 * itself (its tasks' end, a stop they request, or the first failure).
 */
function running(started: {
  readonly followStandbys: (jobModel: JobModel) => void;
  /** Called as the shutdown begins, before the tasks stop. */
  readonly stopping: () => void;
  readonly tasks: readonly TaskInstance[];
  readonly input: InputSource;
  readonly stopRequested: Promise<void>;
  /** Closes everything the container opened, each step even if one before it failed. */
  readonly close: () => Promise<void>;
  readonly status: StatusBoard | undefined;
  readonly logger: Logger;
  readonly cleanStopMs: number;
}): RunningContainer {
  const { tasks, input, stopRequested, close, status, logger, cleanStopMs } = started;
  let stopping: Promise<void> | undefined;
  const shutDown = (how: 'stop' | 'abandon'): Promise<void> => {
    // Pre-emptive, even over a clean stop under way: from here on no task writes a checkpoint.
    if (how === 'abandon') for (const task of tasks) task.abandonNow();
    return (stopping ??= (async () => {
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

  const never = new Promise<never>(() => undefined);
  const firstFailure = Promise.race([
    input.failed,
    ...tasks.map((task) =>
      task.done.then(
        () => never,
        (error: Error) => error,
      ),
    ),
  ]);
  // Ended by its tasks' end only when it has tasks: one with none runs until it is stopped.
  const finished = tasks.length === 0 ? stopRequested : Promise.race([stopRequested, Promise.all(tasks.map((task) => task.done))]);
  const done = Promise.race([firstFailure.then((error) => Promise.reject(error)), finished]).then(
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
  return { tasks, followStandbys: started.followStandbys, done, stop, abandon: () => shutDown('abandon') };
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
