import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint, CheckpointStore } from './checkpoint.js';
import { decodeCheckpoint, encodeCheckpoint } from './codec/checkpoint-codec.js';

/** Checkpoints as files, one per task, for the embedded runner: `<dir>/<task>.checkpoint`. */
export class FileCheckpointStore implements CheckpointStore {
  constructor(private readonly dir: string) {}

  async load(tasks: readonly { readonly name: string }[]): Promise<Map<string, Checkpoint>> {
    const found = new Map<string, Checkpoint>();
    for (const { name: task } of tasks) {
      const path = this.path(task);
      try {
        found.set(task, decodeCheckpoint(await readFile(path, 'utf8'), task, path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return found;
  }

  /** One writer (the embedded runner's process), so `owned` has nothing to add. */
  async write(task: string, checkpoint: Checkpoint): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = this.path(task);
    const file = await open(`${path}.tmp`, 'w');
    try {
      await file.writeFile(encodeCheckpoint(task, checkpoint));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(`${path}.tmp`, path);
  }

  private path(task: string): string {
    return join(this.dir, `${encodeURIComponent(task)}.checkpoint`);
  }
}
