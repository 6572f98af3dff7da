/**
 * The frameworks a master knows: subscribed ones (with their event stream and Mesos-Stream-Id),
 * disconnected ones waiting out their failover timeout, ones recovered from agents after a
 * master failover (no stream yet), and the ids of removed ones, which may never subscribe again
 * ("Framework has been removed", master.cpp `isCompletedFramework`).
 */
import type { FrameworkInfo, SchedulerEvent } from '../../../shared/mesos/index.js';
import type { EventStream } from '../http/event-stream.js';
import { frameworkRoles } from '../resources/resource-format.js';

export interface Framework {
  id: string;
  info: FrameworkInfo;
  stream: EventStream<SchedulerEvent> | undefined;
  streamId: string | undefined;
  /** Roles for which the framework SUPPRESSed offers. */
  suppressedRoles: Set<string>;
  failoverTimer: NodeJS.Timeout | undefined;
}

export class FrameworkRegistry {
  private readonly frameworks = new Map<string, Framework>();
  readonly removed = new Set<string>();

  get(id: string): Framework | undefined {
    return this.frameworks.get(id);
  }

  all(): Framework[] {
    return [...this.frameworks.values()];
  }

  /** Subscribed frameworks, in subscription order. */
  connected(): Framework[] {
    return this.all().filter((framework) => framework.stream !== undefined);
  }

  /** Adds (or returns) a framework record without a connection. */
  ensure(id: string, info: FrameworkInfo): Framework {
    let framework = this.frameworks.get(id);
    if (framework === undefined) {
      framework = {
        id,
        info: { ...info, id: { value: id } },
        stream: undefined,
        streamId: undefined,
        suppressedRoles: new Set(),
        failoverTimer: undefined,
      };
      this.frameworks.set(id, framework);
    }
    return framework;
  }

  delete(id: string): void {
    const framework = this.frameworks.get(id);
    if (framework !== undefined) clearTimeout(framework.failoverTimer);
    this.frameworks.delete(id);
    this.removed.add(id);
  }

  /** Sends to a subscribed framework; dropped (as Mesos drops it) when it is not connected. */
  send(frameworkId: string, event: SchedulerEvent): void {
    this.frameworks.get(frameworkId)?.stream?.send(event);
  }

  /** Roles the framework wants offers for right now. */
  activeRoles(framework: Framework): string[] {
    return frameworkRoles(framework.info).filter((role) => !framework.suppressedRoles.has(role));
  }

  /** Stops every timer and closes every stream (master shutdown). */
  closeAll(): void {
    for (const framework of this.frameworks.values()) {
      clearTimeout(framework.failoverTimer);
      framework.stream?.close();
    }
  }
}
