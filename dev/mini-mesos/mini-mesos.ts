/**
 * The mini Mesos: one master on 127.0.0.1 and N agents on 127.0.0.2, 127.0.0.3, …, speaking
 * Mesos's v1 Scheduler and Executor HTTP APIs and running executors as real child processes.
 *
 *   const mesos = await MiniMesos.start({ agents: 2, workDir, allocationIntervalMs: 50 });
 *   // point a scheduler at mesos.masterUrl; inspect mesos.state(); inject faults; then
 *   await mesos.stop();   // kills every executor process
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from './agent/agent.js';
import { Master } from './master/master.js';
import { ZkRegistration } from './master/zk-registration.js';
import { agentHostname, compileOptions, type CompiledOptions, type MiniMesosOptions } from './options.js';
import { snapshotState, type MiniMesosState } from './state.js';

export interface AgentHandle {
  id: string;
  /** Also its address: 127.0.0.<index + 2>. */
  hostname: string;
  port: number;
  /** `host:port` of its executor API (MESOS_AGENT_ENDPOINT). */
  endpoint: string;
  workDir: string;
}

export class MiniMesos {
  private stopped = false;

  private constructor(
    private master: Master,
    private readonly agentList: Agent[],
    readonly options: CompiledOptions,
    private readonly zk: ZkRegistration | undefined,
  ) {}

  static async start(options: MiniMesosOptions): Promise<MiniMesos> {
    const compiled = compileOptions(options);
    const zk = compiled.zk === undefined ? undefined : await ZkRegistration.open(compiled.zk);
    const master = new Master(compiled);
    const agents: Agent[] = [];
    try {
      await master.start(compiled.port);
      for (let index = 0; index < compiled.agents; index++) {
        const agent = new Agent(master.ids.agent(), agentHostname(index), compiled);
        agents.push(agent);
        await agent.start();
        master.registerAgent(agent);
      }
      // Announced last, like a master that is elected once it recovered: whoever finds it can use it.
      await zk?.announce(master.info);
    } catch (error) {
      await Promise.all([master.stop(), ...agents.map((agent) => agent.stop()), zk?.close()]);
      throw error;
    }
    return new MiniMesos(master, agents, compiled, zk);
  }

  /** `http://127.0.0.1:<port>`; the scheduler API is at `${masterUrl}/api/v1/scheduler`. */
  get masterUrl(): string {
    return this.master.url;
  }

  get agents(): AgentHandle[] {
    return this.agentList.map((agent) => ({
      id: agent.id,
      hostname: agent.hostname,
      port: agent.port,
      endpoint: `${agent.hostname}:${agent.port}`,
      workDir: agent.workDir,
    }));
  }

  state(): MiniMesosState {
    return snapshotState(this.master);
  }

  /**
   * SIGKILLs an executor's process group, found by executor id or by one of its task ids. The
   * agent then reports TASK_FAILED (REASON_EXECUTOR_TERMINATED) for its live tasks and the
   * scheduler gets FAILURE. Returns the pid that was killed.
   */
  killExecutor(executorOrTaskId: string): number {
    for (const agent of this.agentList) {
      const runner = agent.findExecutor(executorOrTaskId);
      if (runner?.pid !== undefined) {
        runner.destroy();
        return runner.pid;
      }
    }
    throw new Error(`no running executor has the id or a task '${executorOrTaskId}'`);
  }

  /**
   * Partitions an agent from the master: the master marks it unreachable (its tasks become
   * TASK_LOST, or TASK_UNREACHABLE for PARTITION_AWARE frameworks; offers on it are rescinded;
   * schedulers get FAILURE with its agent id). Its executors keep running, and status updates
   * wait on the agent until `restoreAgent`.
   */
  loseAgent(agentId: string): void {
    this.agent(agentId);
    this.master.markUnreachable(agentId);
  }

  /** The agent re-registers: its tasks come back (each announced to its framework) and updates flow again. */
  restoreAgent(agentId: string): void {
    const agent = this.agent(agentId);
    if (this.master.unreachableSince(agentId) === undefined) return;
    this.master.registerAgent(agent, { announce: true });
  }

  /**
   * Master failover on the same address: every scheduler stream breaks and calls fail until the
   * new master listens (after `downtimeMs`); the new master has a new id, knows the agents again
   * (tasks, reservations, volumes survive) and waits for schedulers to re-subscribe. With `zk`,
   * the old master's znode goes with it and the new master's (a higher sequence) comes with it.
   */
  async restartMaster(options: { downtimeMs?: number } = {}): Promise<void> {
    const old = this.master;
    await old.stop();
    await this.zk?.withdraw();
    if (options.downtimeMs !== undefined && options.downtimeMs > 0) await sleep(options.downtimeMs);
    const next = new Master(this.options);
    await next.start(old.port);
    for (const agent of this.agentList) {
      next.registerAgent(agent, { unreachableSince: old.unreachableSince(agent.id) });
    }
    this.master = next;
    await this.zk?.announce(next.info);
  }

  /** Stops the master and every agent (every executor process group is killed and reaped) and leaves ZooKeeper. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.master.stop();
    await Promise.all([...this.agentList.map((agent) => agent.stop()), this.zk?.close()]);
  }

  private agent(agentId: string): Agent {
    const agent = this.agentList.find((candidate) => candidate.id === agentId);
    if (agent === undefined) throw new Error(`unknown agent '${agentId}'; agents: ${this.agentList.map((a) => a.id).join(', ')}`);
    return agent;
  }
}
