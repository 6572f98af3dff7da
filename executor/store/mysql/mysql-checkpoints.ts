import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Ssp } from '../../../shared/api/task.js';
import type { Logger } from '../../../shared/log.js';
import type { Checkpoint, CheckpointStore } from '../../checkpoint/checkpoint.js';
import type { CommitStagedStore } from '../layers/commit-staged-store.js';
import type { MySqlDatabase } from './mysql-database.js';
import type { MySqlEngine } from './mysql-engine.js';
import { applyWrites } from './sql-writes.js';
import { inTransaction } from './sql-transaction.js';
import { TaskLostError } from '../../../shared/coordination/task-ownership.js';

/** What the commit needs of one mysql store of a task: its staged writes and its engine. */
export interface MySqlCommitStore {
  readonly staged: CommitStagedStore;
  readonly engine: MySqlEngine;
}

/**
 * The checkpoint store of a job whose stores are mysql stores: a task's checkpoint is its row in
 * `<prefix>tasks`, and writing it is THE commit of the task — one SQL transaction that checks the
 * task's owner epoch, writes the input offsets and applies the staged writes of every store of the
 * task. So the stores and the offsets are always of the same messages (exactly-once state), and
 * after a crash there is nothing to restore.
 *
 * Fencing, like Kafka's initTransactions: `load` (the container starting its tasks, after claiming
 * them) bumps each task's epoch and keeps it; every commit updates the task's row only `WHERE epoch
 * = ` that value. A container that lost a task to a newer owner matches no row: its transaction is
 * rolled back and the task stops without committing anything more.
 */
export class MySqlCheckpoints implements CheckpointStore {
  private readonly epochs = new Map<string, number>();
  private readonly stores = new Map<string, readonly MySqlCommitStore[]>();
  /** The inputs JSON last committed per task: an idle task skips its commit transaction. */
  private readonly lastInputs = new Map<string, string>();

  constructor(
    private readonly db: MySqlDatabase,
    private readonly logger: Logger,
  ) {}

  /** The task's mysql stores, whose staged writes its commits apply. */
  attach(task: string, stores: readonly MySqlCommitStore[]): void {
    this.stores.set(task, stores);
  }

  /** The epoch this container owns the task at (after `load`). */
  epochOf(task: string): number | undefined {
    return this.epochs.get(task);
  }

  async load(tasks: readonly { readonly name: string; readonly ssps: readonly Ssp[] }[]): Promise<Map<string, Checkpoint>> {
    await this.db.ensureTasks();
    const table = this.db.taskTable;
    const rows = await inTransaction(this.db, 'taking ownership of the tasks in MySQL', this.logger, async (connection) => {
      const found: { task: string; epoch: number; inputs: string | null }[] = [];
      for (const { name } of tasks) {
        await connection.query(`INSERT INTO \`${table}\` (task, epoch) VALUES (?, 1) ON DUPLICATE KEY UPDATE epoch = epoch + 1`, [name]);
        const [selected] = await connection.query<RowDataPacket[]>(`SELECT epoch, inputs FROM \`${table}\` WHERE task = ?`, [name]);
        const row = selected[0] as { epoch: string; inputs: string | null };
        found.push({ task: name, epoch: Number(row.epoch), inputs: row.inputs });
      }
      return found;
    });
    const checkpoints = new Map<string, Checkpoint>();
    for (const { task, epoch, inputs } of rows) {
      this.epochs.set(task, epoch);
      if (inputs === null) continue;
      this.lastInputs.set(task, inputs);
      // The owner epoch here is MySQL's own (the task row's), checked by every commit; a claim epoch is not needed.
      checkpoints.set(task, { inputs: JSON.parse(inputs) as Record<string, string>, changelogs: {}, epoch: 0n });
    }
    this.logger.info('tasks owned in MySQL', { epochs: Object.fromEntries(rows.map((row) => [row.task, row.epoch])) });
    return checkpoints;
  }

  async write(task: string, checkpoint: Checkpoint): Promise<void> {
    const epoch = this.epochs.get(task);
    if (epoch === undefined) throw new TaskLostError(task, 'it commits without owning it in MySQL (no epoch loaded)');
    const stores = this.stores.get(task) ?? [];
    const inputs = JSON.stringify(checkpoint.inputs);
    const writes = stores.map((store) => store.staged.pendingWrites());
    if (inputs === this.lastInputs.get(task) && writes.every((batch) => batch.length === 0)) return;
    // A snapshot still starting must get its read view before these writes land.
    for (const store of stores) await store.engine.snapshotsStarted();
    await inTransaction(this.db, `the commit of task '${task}'`, this.logger, async (connection) => {
      await this.checkOwner(connection, task, epoch, inputs);
      for (const [index, store] of stores.entries()) await applyWrites(connection, store.engine.table, task, writes[index] ?? []);
    });
    for (const store of stores) store.staged.discardPending();
    this.lastInputs.set(task, inputs);
  }

  /** The fencing check and the checkpoint in one statement: it locks the task's row until the commit ends. */
  private async checkOwner(connection: PoolConnection, task: string, epoch: number, inputs: string): Promise<void> {
    const [result] = await connection.query<ResultSetHeader>(
      `UPDATE \`${this.db.taskTable}\` SET inputs = ?, commits = commits + 1, committed_at = NOW(6) WHERE task = ? AND epoch = ?`,
      [inputs, task, epoch],
    );
    if (result.affectedRows === 1) return;
    // Logged once, as a warning, by the container that abandons the task.
    throw new TaskLostError(
      task,
      `its MySQL owner epoch is no longer ${epoch} (another container took it over); nothing of this commit was written`,
    );
  }
}
