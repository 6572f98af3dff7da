/**
 * Where each container last ran (`/sluice/<job>/locality/<container>` → host), so the scheduler
 * can offer it the same host again and its stores skip a full restore. Each container writes its
 * own entry when it starts, so the last writer is right and no fencing or version is needed.
 */
import { hasZkCode, ignoreNoNode } from './errors.js';
import { decodeNodeName, localityDir, localityPath } from './layout.js';
import type { ZkSession } from './zk-session.js';

export class LocalityStore {
  constructor(
    private readonly session: ZkSession,
    private readonly job: string,
  ) {}

  /** Container id → host, for every container that ever recorded one. */
  async read(): Promise<Map<string, string>> {
    const client = this.session.client;
    const children = (await ignoreNoNode(client.getChildren(localityDir(this.job)))) ?? [];
    const hosts = new Map<string, string>();
    for (const child of children.sort()) {
      const node = await ignoreNoNode(client.get(`${localityDir(this.job)}/${child}`));
      if (node !== undefined) hosts.set(decodeNodeName(child), node.data.toString('utf8'));
    }
    return hosts;
  }

  /** Records that `containerId` runs on `host` now. */
  async write(containerId: string, host: string): Promise<void> {
    const client = this.session.client;
    const path = localityPath(this.job, containerId);
    const data = Buffer.from(host, 'utf8');
    if ((await ignoreNoNode(client.setData(path, data, -1))) !== undefined) return;
    await client.mkdirp(localityDir(this.job));
    try {
      await client.create(path, data);
    } catch (error) {
      // Created by an earlier incarnation in the meantime: overwrite it.
      if (!hasZkCode(error, 'ZK_NODE_EXISTS')) throw error;
      await client.setData(path, data, -1);
    }
  }
}
