/**
 * One executor child process, started from its CommandInfo the way Mesos's POSIX launcher does:
 * `shell` (default true) runs `/bin/sh -c <value>`; otherwise `value` is executed with
 * `arguments` as the whole argv (arguments[0] is argv0). stdout and stderr go to files in the
 * sandbox, which is the working directory. The child leads its own process group, so killing the
 * group takes whatever the executor forked too (Mesos's launcher kills the whole tree).
 *
 * Every live group is also remembered at module level: if the test process exits without
 * stopping the mini Mesos, an exit hook SIGKILLs them, so no executor outlives its test.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandInfo } from '../../../shared/mesos/index.js';

const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone: nothing to signal.
  }
}

export class ExecutorProcess {
  readonly pid: number | undefined;
  /** The wait status as Mesos reports it in FAILURE events: exit code << 8, or the signal number. */
  readonly exited: Promise<number>;
  private running = true;
  private readonly child: ChildProcess;

  constructor(command: CommandInfo, directory: string, env: NodeJS.ProcessEnv) {
    installExitHook();
    const stdout = fs.openSync(path.join(directory, 'stdout'), 'a');
    const stderr = fs.openSync(path.join(directory, 'stderr'), 'a');
    try {
      const options: SpawnOptions = { cwd: directory, env, detached: true, stdio: ['ignore', stdout, stderr] };
      if (command.shell === false) {
        const [argv0, ...args] = command.arguments ?? [];
        this.child = spawn(command.value ?? '', args, { ...options, argv0: argv0 ?? command.value });
      } else {
        this.child = spawn('/bin/sh', ['-c', command.value ?? ''], options);
      }
    } finally {
      fs.closeSync(stdout);
      fs.closeSync(stderr);
    }
    this.pid = this.child.pid;
    if (this.pid !== undefined) liveGroups.add(this.pid);
    this.exited = new Promise((resolve) => {
      const done = (status: number): void => {
        if (!this.running) return;
        this.running = false;
        if (this.pid !== undefined) {
          // The leader is gone; its forks may not be. Mesos destroys the container: so do we.
          signalGroup(this.pid, 'SIGKILL');
          liveGroups.delete(this.pid);
        }
        resolve(status);
      };
      this.child.once('exit', (code, signal) => {
        done(code !== null ? code << 8 : signal !== null ? (os.constants.signals[signal] ?? 0) : 0);
      });
      // A failed exec (shell false and no such file) never exits: report it as sh would, 127.
      this.child.once('error', () => done(127 << 8));
    });
  }

  get alive(): boolean {
    return this.running;
  }

  /** Signals the executor's whole process group. */
  signal(signal: NodeJS.Signals): void {
    if (this.running && this.pid !== undefined) signalGroup(this.pid, signal);
  }
}
