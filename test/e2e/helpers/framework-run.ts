/**
 * Driving a Sluice job on the mini Mesos from outside, as the framework e2e test and
 * `bench:failover` do: the leading scheduler's view through its API, waiting for a state, a
 * leader SIGKILL, an agent loss, and a cleanup list that stands in for a node:test context
 * where there is none (the bench).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MiniMesos } from '../../../dev/mini-mesos/index.js';

export interface ContainerView {
  id: string;
  state: string;
  taskId?: string;
  host?: string;
}

export interface JobView {
  leader: boolean;
  subscribed: boolean;
  frameworkId: string | null;
  jobModelVersion: number | null;
  containers: ContainerView[];
}

/** The job as the scheduler at `api` sees it; undefined while it does not answer. */
export async function view(api: string): Promise<JobView | undefined> {
  return fetch(`${api}/api/v1/job`).then(
    (response) => (response.ok ? (response.json() as Promise<JobView>) : undefined),
    () => undefined,
  );
}

/** Polls `probe` every 200 ms until it gives a value; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The view once the scheduler at `api` leads `count` running containers that pass `check`. */
export function running(api: string, count: number, check: (view: JobView) => boolean = () => true): () => Promise<JobView | undefined> {
  return async () => {
    const current = await view(api);
    const ok =
      current?.leader === true &&
      current.containers.length === count &&
      current.containers.every((c) => c.state === 'running') &&
      check(current);
    return ok ? current : undefined;
  };
}

/** SIGKILLs the leading scheduler; resolves once the one at `nextApi` leads, subscribed, with `containers` running. */
export async function killLeader(leader: ChildProcess, nextApi: string, containers: number): Promise<{ view: JobView; ms: number }> {
  const killedAt = Date.now();
  leader.kill('SIGKILL');
  const taken = await waitFor(
    `the next scheduler leads ${containers} running containers`,
    running(nextApi, containers, (v) => v.subscribed),
    120_000,
  );
  return { view: taken, ms: Date.now() - killedAt };
}

/**
 * Loses the agent that runs `host`'s container: partitioned from the master, and its executors
 * SIGKILLed (a dead machine, not only an unreachable one). Returns the agent's id.
 */
export function loseAgentOf(mesos: MiniMesos, host: string | undefined): string {
  const agent = mesos.state().agents.find((a) => a.hostname === host || a.id === host);
  assert.ok(agent, `the agent of ${host}`);
  mesos.loseAgent(agent.id);
  for (const executor of mesos.state().executors.filter((e) => e.agentId === agent.id)) mesos.killExecutor(executor.executorId);
  return agent.id;
}

/** Copies every executor's stdout and stderr out of the agents' sandboxes (they go with the cluster) into `dir`, prefixed. */
export async function keepExecutorLogs(mesos: MiniMesos, dir: string, prefix: string): Promise<void> {
  for (const agent of mesos.state().agents) {
    const files = await readdir(agent.workDir, { recursive: true }).catch(() => [] as string[]);
    for (const file of files.filter((name) => /(^|\/)std(out|err)$/.test(name))) {
      const target = `${prefix}-${agent.hostname}-${file.replaceAll('/', '_')}`;
      await copyFile(join(agent.workDir, file), join(dir, target)).catch(() => undefined);
    }
  }
}

/** How long one clean-up may take before the next runs (a hung close must not keep processes alive). */
const CLEANUP_STEP_MS = 15_000;

/**
 * What `t.after` gives a test, for code without a test context: `after` adds a clean-up, `run`
 * runs them last added first (what was started later stops first: the schedulers before the
 * cluster they talk to), each once and for at most 15 s, going on past failures.
 */
export class CleanupList {
  private readonly steps: (() => unknown)[] = [];

  after(step: () => unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await Promise.race([step(), sleep(CLEANUP_STEP_MS, undefined, { ref: false })]);
      } catch (error) {
        process.stderr.write(`clean-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }
}
