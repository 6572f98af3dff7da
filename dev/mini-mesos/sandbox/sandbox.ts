/**
 * The agent's directory layout (src/slave/paths.cpp): each executor run gets a sandbox
 * `<work_dir>/slaves/<agentId>/frameworks/<fwId>/executors/<execId>/runs/<containerId>`, with a
 * `runs/latest` symlink to the newest run; persistent volumes live at
 * `<work_dir>/volumes/roles/<role>/<persistence_id>` and outlive every sandbox.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface SandboxIds {
  agentId: string;
  frameworkId: string;
  executorId: string;
  containerId: string;
}

export function sandboxPath(workDir: string, ids: SandboxIds): string {
  return path.join(workDir, 'slaves', ids.agentId, 'frameworks', ids.frameworkId, 'executors', ids.executorId, 'runs', ids.containerId);
}

export function volumePath(workDir: string, role: string, persistenceId: string): string {
  return path.join(workDir, 'volumes', 'roles', role, persistenceId);
}

/** Creates the sandbox and points `runs/latest` at it (Mesos re-points it on every launch). */
export async function createSandbox(workDir: string, ids: SandboxIds): Promise<string> {
  const directory = sandboxPath(workDir, ids);
  await fs.promises.mkdir(directory, { recursive: true });
  const latest = path.join(path.dirname(directory), 'latest');
  await fs.promises.rm(latest, { force: true });
  await fs.promises.symlink(ids.containerId, latest);
  return directory;
}

/**
 * Makes a persistent volume appear at `<sandbox>/<containerPath>`. Mesos bind-mounts it (the
 * filesystem/linux isolator) or, with the posix isolator, symlinks it; a symlink is what we do.
 */
export function linkVolume(sandbox: string, containerPath: string, volume: string): void {
  if (path.isAbsolute(containerPath) || containerPath.split(/[\\/]/).includes('..')) {
    throw new Error(`volume container_path '${containerPath}' must be relative and stay inside the sandbox`);
  }
  const target = path.join(sandbox, containerPath);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.rmSync(target, { recursive: true, force: true });
  fs.symlinkSync(volume, target, 'dir');
}
