import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompiledJobConfig } from '../../shared/config/job-config.js';
import type { Logger } from '../../shared/log.js';
import type { TaskModel } from '../../shared/model/job-model.js';
import { EVERY_WRITER, type Checkpoint } from '../checkpoint/checkpoint.js';
import type { TaskOwnership } from '../../shared/coordination/task-ownership.js';
import type { StreamSystem, TaskWriter } from '../systems/stream-system.js';
import { buildStore } from '../store/build-store.js';
import { createEngine } from '../store/engines/create-engine.js';
import { openWhenUnlocked } from '../store/engines/open-when-unlocked.js';
import type { LocalStore } from '../store/local-store.js';
import { restoreStores, type RestoreProgress, type RestoreTarget } from '../store/restore.js';
import type { StoreSpec } from '../store/store-spec.js';
import { STORE_DEFAULTS } from '../../shared/config/job-config.js';
import type { MySqlState } from '../store/mysql/mysql-state.js';
import type { ChangelogCompaction } from '../store/changelog.js';

/**
 * Opens every store of every task of a container: restores them all in one pass over their
 * changelogs (Samza's ContainerStorageManager), then builds each store's layers over its engine.
 * The DB of a store lives at `<stateDir>/<job>/<store>/<task>/db`, its OFFSET file beside it.
 */
export async function openContainerStores(input: {
  readonly config: CompiledJobConfig;
  readonly specs: readonly StoreSpec[];
  readonly tasks: readonly TaskModel[];
  readonly checkpoints: ReadonlyMap<string, Checkpoint>;
  readonly ownership: TaskOwnership;
  /** Changelog topic → its compaction settings. */
  readonly compaction: ReadonlyMap<string, ChangelogCompaction>;
  readonly system: StreamSystem;
  /** Each task's writer: its stores' changelog records go through it. */
  readonly writers: ReadonlyMap<string, TaskWriter>;
  readonly logger: Logger;
  readonly onRestoreProgress?: RestoreProgress;
  /** Where mysql stores live; a mysql store has no changelog and nothing to restore. */
  readonly mysql?: MySqlState | undefined;
}): Promise<Map<string, Map<string, LocalStore>>> {
  const { config, specs, tasks, checkpoints, ownership, system, logger } = input;
  const targets: { target: RestoreTarget; spec: StoreSpec; task: string }[] = [];
  const unlogged: { spec: StoreSpec; task: TaskModel }[] = [];
  for (const task of tasks) {
    for (const spec of specs) {
      if (!spec.changelogTopic) {
        unlogged.push({ spec, task });
        continue;
      }
      const context = { job: config.name, store: spec.name, task: task.name };
      const changelog = { topic: spec.changelogTopic, partition: task.changelogPartition };
      const epoch = ownership.epoch(task.name);
      targets.push({
        spec,
        task: task.name,
        target: {
          context,
          changelog,
          sink: (input.writers.get(task.name) as TaskWriter).changelogSink(changelog),
          storeDir: spec.engine === 'memory' ? undefined : storeDir(config, spec.name, task.name),
          createEngine: (dbDir) => createEngine(spec.engine, dbDir, spec.engineOptions),
          checkpoint: checkpoints.get(task.name)?.changelogs[spec.name],
          checkpointWrittenAt: checkpoints.get(task.name)?.writtenAt,
          epoch,
          compaction: input.compaction.get(spec.changelogTopic),
        },
      });
    }
  }
  const results = await restoreStores(
    targets.map(({ target }) => target),
    system.changelogSource,
    { deleteRetentionMs: STORE_DEFAULTS.deleteRetentionMs, logger, onProgress: input.onRestoreProgress },
  );
  const byTask = new Map<string, Map<string, LocalStore>>(tasks.map((task) => [task.name, new Map()]));
  results.forEach((result, index) => {
    const { spec, task } = targets[index] as (typeof targets)[number];
    const store = buildStore({
      spec,
      context: result.target.context,
      engine: result.engine,
      sink: result.target.sink,
      storeDir: result.target.storeDir,
      offset: result.offset,
      writers: result.plan.writers,
      epoch: result.target.epoch,
    });
    byTask.get(task)?.set(spec.name, store);
  });
  for (const { spec, task } of unlogged) {
    const local = spec.engine !== 'memory' && spec.engine !== 'mysql';
    const dir = local ? join(storeDir(config, spec.name, task.name), 'db') : undefined;
    if (dir) await mkdir(dir, { recursive: true });
    const engine =
      spec.engine === 'mysql' && input.mysql ? input.mysql.engine(spec, task.name) : createEngine(spec.engine, dir, spec.engineOptions);
    const context = { job: config.name, store: spec.name, task: task.name };
    await openWhenUnlocked(engine, { context, dbDir: dir }, logger);
    byTask
      .get(task.name)
      ?.set(
        spec.name,
        buildStore({ spec, context, engine, sink: undefined, storeDir: undefined, offset: -1, writers: EVERY_WRITER, epoch: 0n }),
      );
  }
  return byTask;
}

/** Where a task's store keeps its DB and OFFSET file (a standby replica's copy lives there too). */
export function storeDir(config: CompiledJobConfig, store: string, task: string): string {
  return join(config.stateDir, config.name, store, encodeURIComponent(task));
}
