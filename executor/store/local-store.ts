import type { KeyValueStore } from '../../shared/api/key-value-store.js';
import type { ChangelogPosition, ChangelogWriters } from '../checkpoint/checkpoint.js';
import type { ChangelogSink } from './changelog.js';
import type { KeyValueEngine } from './engine.js';
import type { CachingStore } from './layers/caching-store.js';
import type { CommitStagedStore } from './layers/commit-staged-store.js';
import { writeOffsetFile } from './offset-file.js';
import type { StoreContext } from './store-context.js';

/**
 * One store of one task with its lifecycle: the layered store the task uses, the engine under
 * it, and the commit steps the task calls in order (Samza's storage engine).
 */
export class LocalStore<K = unknown, V = unknown> {
  private closed = false;
  /** The changelog offset step 2 saw acknowledged, which step 3 records. */
  private ackedOffset: number | undefined;

  constructor(
    readonly context: StoreContext,
    /** What the task sees: null-safe → cached → serialized → logged → staged → engine. */
    readonly api: KeyValueStore<K, V>,
    readonly cache: CachingStore<K, V>,
    readonly staged: CommitStagedStore,
    readonly engine: KeyValueEngine,
    private readonly sink: ChangelogSink | undefined,
    /** Where the OFFSET file lives; undefined for the memory engine. */
    private readonly storeDir: string | undefined,
    /** The changelog offset the engine reflects, from restore and then from each commit. */
    private committedOffset: number,
    /** Whose changelog records count (from restore), recorded in every checkpoint. */
    private readonly writers: ChangelogWriters,
    /** This owner's epoch, recorded beside the DB. */
    private readonly epoch: bigint,
  ) {}

  get changelogOffset(): number {
    return this.committedOffset;
  }

  /** Commit step 1: the cache's dirty entries go down, which sends their changelog records. */
  async flushCache(): Promise<void> {
    await this.cache.flush();
  }

  /**
   * Commit step 2, after the caller awaited every send of the task (outputs included): waits
   * for this store's changelog acknowledgements and returns the position they reach, for the
   * checkpoint.
   */
  async changelogAcked(): Promise<ChangelogPosition> {
    const acked = this.sink ? await this.sink.flush() : undefined;
    this.ackedOffset = acked ?? this.committedOffset;
    return { offset: this.ackedOffset, writers: this.writers };
  }

  /**
   * Commit step 3, once the checkpoint naming that offset is written: applies the staged writes
   * to the engine, makes them durable and records the offset beside the DB. So the DB never runs
   * ahead of the checkpoint. A crash in this step leaves the OFFSET file at the previous commit,
   * and restore replays the changelog from there up to the checkpoint: upserts in offset order,
   * so a partly applied commit does no harm and costs only the replay of one commit's records.
   */
  async applyCommit(): Promise<void> {
    const offset = this.ackedOffset ?? this.committedOffset;
    if (this.staged.pendingCount === 0 && offset === this.committedOffset) return;
    await this.staged.applyToEngine();
    if (this.storeDir && this.sink) {
      await writeOffsetFile(this.storeDir, {
        state: 'clean',
        changelog: this.sink.target,
        offset,
        writtenAt: Date.now(),
        epoch: this.epoch,
      });
    }
    this.committedOffset = offset;
  }

  /** Steps 2 and 3 back to back, where no checkpoint sits between them (a store on its own). */
  async commit(): Promise<ChangelogPosition> {
    const position = await this.changelogAcked();
    await this.applyCommit();
    return position;
  }

  /** Bytes written since the last commit: past a limit the container commits early. */
  get pendingBytes(): number {
    return this.staged.pendingBytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.engine.close();
  }
}
