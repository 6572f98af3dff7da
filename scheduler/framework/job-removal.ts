/**
 * Removing a job cleanly, as dcos-commons' uninstall does. Mesos never frees a dynamic
 * reservation or a persistent volume by itself (a TEARDOWN leaves both on the agents for good),
 * so before the TEARDOWN, while still subscribed: every container is killed (a clean stop:
 * commit, close the stores); once no task of the job runs, offers are used to DESTROY its volumes
 * and UNRESERVE its reservations. The planner decides what to release: with no container in the
 * job model, its orphan stage finds every reservation labelled for this job an orphan.
 *
 * Mesos says nothing when a reservation is gone: only offers tell. An agent holds some of the job
 * when the launch record names a reservation there or an offer showed one; it is released when an
 * offer from it, made after every task ended, shows none. Only those agents are waited for (a job
 * on host dirs reserved nothing and waits for nothing), and never longer than `timeoutMs`: then
 * the removal goes on and the outcome names what was left. One log line per change of the phase
 * or of an agent, none per offer.
 */
import { randomUUID } from 'node:crypto';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Offer, OfferOperation, Resource, SchedulerCall } from '../../shared/mesos/index.js';
import { CONTAINER_LABEL, planOffers, type ContainerReservation, type OfferPlan } from '../planner/index.js';
import { SchedulerError } from './errors.js';
import type { FrameworkOptions } from './framework-options.js';

/** How long a removal waits for the containers to stop and the reservations to be released. */
export const DEFAULT_REMOVE_TIMEOUT_MS = 60_000;

/**
 * The filter on a releasing ACCEPT. The agent's next offer is what proves the release, so it
 * should come at the master's next allocation (1 s by default), not after a decline filter.
 */
export const RELEASE_FILTER_SECONDS = 1;
/** How often a KILL without an answer, or a REVIVE while agents still hold something, is sent again. */
const DEFAULT_RETRY_MS = 5_000;

export type RemovalPhase = 'stopping' | 'releasing' | 'released' | 'timed-out' | 'aborted';
type EndPhase = Extract<RemovalPhase, 'released' | 'timed-out' | 'aborted'>;

const TRANSITIONS: Readonly<Record<RemovalPhase, readonly RemovalPhase[]>> = {
  stopping: ['releasing', 'timed-out', 'aborted'],
  releasing: ['released', 'timed-out', 'aborted'],
  released: [],
  'timed-out': [],
  aborted: [],
};

export interface HeldReservations {
  readonly agentId: string;
  readonly hostname: string;
  /** What the agent holds, for people: per container the reserved resources, and the volumes. */
  readonly holds: string;
}

export interface RemovalOutcome {
  readonly phase: EndPhase;
  readonly elapsedMs: number;
  /** Containers whose task may still run. */
  readonly containers: readonly string[];
  /** Agents still known to hold reservations or volumes of the job. */
  readonly held: readonly HeldReservations[];
}

export interface LiveContainer {
  readonly id: string;
  /** KILL sent, no terminal update yet. */
  readonly killing: boolean;
}

/** What the removal needs of the framework; every call is made in the framework's event order. */
export interface RemovalHost {
  /** Containers whose task may still run (launching, running, being killed). */
  liveContainers(): readonly LiveContainer[];
  /** Sends KILL for the container's task (again, if it is being killed). */
  kill(container: string): Promise<void>;
  /** The plan for offers with no container in the job model (`planRelease`). */
  plan(offers: readonly Offer[]): OfferPlan;
  /** Acts on a plan: ACCEPT, DECLINE (apply-plan.ts, the only sender of ACCEPT). */
  apply(plan: OfferPlan): Promise<void>;
  call(call: SchedulerCall): Promise<void>;
  /** Queues work behind the framework's events. */
  later(work: () => Promise<void>): void;
}

export interface RemovalSettings {
  readonly role: string;
  readonly timeoutMs: number;
  /** Filter on a releasing ACCEPT: the agent's next offer, which shows the result, comes after it. */
  readonly releaseFilterSeconds: number;
  /** Filter on offers of agents that hold nothing of the job. */
  readonly declineFilterSeconds: number;
  readonly retryMs?: number;
}

interface Held {
  readonly hostname: string;
  readonly holds: string;
  /** ACCEPTs sent to release it. */
  readonly releases: number;
}

export class JobRemoval {
  readonly finished: Promise<RemovalOutcome>;
  private resolve: (outcome: RemovalOutcome) => void = () => undefined;
  private current: RemovalPhase = 'stopping';
  private readonly held = new Map<string, Held>();
  private startedAt = Date.now();
  private deadline: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: RemovalHost,
    private readonly settings: RemovalSettings,
    /** The launch record's reservations: where the job reserved, as far as the framework knows. */
    recorded: ReadonlyMap<string, ContainerReservation>,
    private readonly log: Logger,
  ) {
    this.finished = new Promise((resolve) => (this.resolve = resolve));
    for (const [container, reservation] of recorded) {
      const holds = `container ${container}: ${reservation.resourceIds.length} reserved resources, volume ${reservation.persistenceId}`;
      const known = this.held.get(reservation.agentId);
      this.held.set(reservation.agentId, {
        hostname: reservation.hostname,
        holds: known === undefined ? holds : `${known.holds}; ${holds}`,
        releases: 0,
      });
    }
  }

  get phase(): RemovalPhase {
    return this.current;
  }

  /** Kills every container; releasing starts when the last task has ended. */
  async begin(): Promise<void> {
    this.startedAt = Date.now();
    this.deadline = setTimeout(() => this.end('timed-out'), this.settings.timeoutMs);
    this.retry = setInterval(() => this.host.later(() => this.retryCalls()), this.settings.retryMs ?? DEFAULT_RETRY_MS);
    this.retry.unref();
    this.log.info('removing the job: stopping its containers', {
      containers: this.host.liveContainers().map((c) => c.id),
      timeoutMs: this.settings.timeoutMs,
    });
    await this.onContainers();
  }

  /** After every task update: kills what runs (again: reconciliation may find a task alive); releases once nothing does. */
  async onContainers(): Promise<void> {
    if (this.ended()) return;
    const live = this.host.liveContainers();
    for (const container of live) if (!container.killing) await this.killSafely(container.id);
    if (this.current === 'stopping' && live.length === 0) await this.startReleasing();
  }

  /** A new subscription: KILLs or the REVIVE may have been lost with the old one. */
  async onSubscribed(): Promise<void> {
    await this.retryCalls();
  }

  async onOffers(offers: readonly Offer[]): Promise<void> {
    if (this.current !== 'releasing') {
      // Before every task has ended an offer proves nothing (a running task holds its reservation); REVIVE lifts these filters.
      const filters = { refuse_seconds: this.settings.declineFilterSeconds };
      for (const offer of offers)
        await this.host.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters } }).catch(() => undefined);
      return;
    }
    const plan = this.host.plan(offers);
    await this.host.apply({
      ...plan,
      accepts: plan.accepts.map((accept) => ({ ...accept, filters: { refuse_seconds: this.settings.releaseFilterSeconds } })),
      declines: plan.declines.map((decline) => ({ ...decline, filters: { refuse_seconds: this.settings.declineFilterSeconds } })),
    });
    const releasing = new Set(plan.accepts.map((accept) => accept.agentId));
    for (const accept of plan.accepts) this.releasing(accept.agentId, accept.hostname, accept.operations);
    for (const decline of plan.declines) if (!releasing.has(decline.agentId)) this.released(decline.agentId);
    if (this.held.size === 0) this.end('released');
  }

  /** The framework stopped (deposed, shut down, or removed by Mesos): the removal ends unfinished. */
  abort(): void {
    this.end('aborted');
  }

  private ended(): boolean {
    return TRANSITIONS[this.current].length === 0;
  }

  private move(to: RemovalPhase): void {
    if (!TRANSITIONS[this.current].includes(to)) {
      throw new SchedulerError('SCHEDULER_ILLEGAL_TRANSITION', `a removal cannot go from ${this.current} to ${to}`, {
        context: { from: this.current, to },
      });
    }
    this.current = to;
  }

  private async startReleasing(): Promise<void> {
    this.move('releasing');
    if (this.held.size === 0) {
      this.log.info('containers stopped; the job holds no reservations');
      this.end('released');
      return;
    }
    this.log.info("containers stopped; releasing the job's volumes and reservations", {
      hosts: [...this.held.values()].map((held) => held.hostname),
    });
    await this.revive();
  }

  private releasing(agentId: string, hostname: string, operations: readonly OfferOperation[]): void {
    const before = this.held.get(agentId);
    const releases = (before?.releases ?? 0) + 1;
    const holds = describeRelease(operations);
    this.held.set(agentId, { hostname, holds, releases });
    if (releases === 1)
      this.log.info("releasing the job's reservations on an agent", {
        host: hostname,
        agent: agentId,
        releases: holds,
        recorded: before !== undefined,
      });
    else if (releases === 3)
      this.log.warn("an agent still offers the job's reservations after two releases; trying again", {
        host: hostname,
        agent: agentId,
        holds,
      });
  }

  private released(agentId: string): void {
    const held = this.held.get(agentId);
    if (held === undefined) return;
    this.held.delete(agentId);
    this.log.info("an agent holds none of the job's reservations now", { host: held.hostname, agent: agentId, agentsLeft: this.held.size });
  }

  private async retryCalls(): Promise<void> {
    if (this.current === 'stopping') for (const container of this.host.liveContainers()) await this.killSafely(container.id);
    else if (this.current === 'releasing') await this.revive();
  }

  private async killSafely(container: string): Promise<void> {
    // Not subscribed, or Mesos did not answer: the retry (or the next subscription) sends it again.
    await this.host
      .kill(container)
      .catch((error: unknown) => this.log.debug('KILL failed; it is sent again', { container, error: describeError(error) }));
  }

  private async revive(): Promise<void> {
    // Not through the offer stream: that one revives only when suppressed, and this REVIVE must also lift every filter.
    await this.host
      .call({ type: 'REVIVE', revive: { roles: [this.settings.role] } })
      .catch((error: unknown) => this.log.debug('REVIVE failed; it is sent again', { error: describeError(error) }));
  }

  private end(phase: EndPhase): void {
    if (this.ended()) return;
    this.move(phase);
    clearTimeout(this.deadline);
    clearInterval(this.retry);
    const outcome: RemovalOutcome = {
      phase,
      elapsedMs: Date.now() - this.startedAt,
      containers: this.host.liveContainers().map((container) => container.id),
      held: [...this.held].map(([agentId, held]) => ({ agentId, hostname: held.hostname, holds: held.holds })),
    };
    if (phase === 'released')
      this.log.info("the job's containers are stopped and its volumes and reservations released", { elapsedMs: outcome.elapsedMs });
    else if (phase === 'timed-out')
      this.log.warn(describeLeftovers(outcome, this.settings.timeoutMs), { containers: outcome.containers, held: outcome.held });
    else this.log.info('removal interrupted: this scheduler stopped running the framework', { elapsedMs: outcome.elapsedMs });
    this.resolve(outcome);
  }
}

/** What a timed-out removal leaves behind, and what to do about it. */
export function describeLeftovers(outcome: RemovalOutcome, timeoutMs: number): string {
  const parts: string[] = [];
  if (outcome.containers.length > 0) parts.push(`containers ${outcome.containers.join(', ')} may still run (the TEARDOWN kills them)`);
  if (outcome.held.length > 0) {
    const where = outcome.held.map((held) => `${held.hostname} (agent ${held.agentId}: ${held.holds})`).join('; ');
    parts.push(
      `reservations and volumes may be left on ${where}; Mesos never frees them: release them with the operator API (DESTROY_VOLUMES, then UNRESERVE_RESOURCES)`,
    );
  }
  return `removal did not finish within ${timeoutMs / 1000} s; going on with the TEARDOWN: ${parts.join('; ')}`;
}

/** `container 0: cpus:0.4 mem:256 disk:16 disk:64, volume <id>` for each container an ACCEPT releases. */
function describeRelease(operations: readonly OfferOperation[]): string {
  const byContainer = new Map<string, string[]>();
  const add = (resource: Resource, text: string) => {
    const container = resource.reservations?.at(-1)?.labels?.labels?.find((label) => label.key === CONTAINER_LABEL)?.value ?? '?';
    byContainer.set(container, [...(byContainer.get(container) ?? []), text]);
  };
  for (const operation of operations) {
    for (const resource of operation.unreserve?.resources ?? []) add(resource, `${resource.name}:${resource.scalar?.value ?? '?'}`);
    for (const volume of operation.destroy?.volumes ?? []) add(volume, `volume ${volume.disk?.persistence?.id ?? '?'}`);
  }
  return [...byContainer].map(([container, items]) => `container ${container}: ${items.join(' ')}`).join('; ');
}

export type ReleaseOptions = Pick<FrameworkOptions, 'role' | 'principal' | 'resources' | 'storage' | 'timings' | 'launch'>;

/**
 * The plan for offers during a removal: the job model without containers, so the planner's
 * orphan stage releases every reservation and volume labelled for this job (and nothing else of
 * the role), and no container is placed.
 */
export function planRelease(input: {
  readonly job: string;
  readonly frameworkId: string;
  readonly options: ReleaseOptions;
  readonly reservations: ReadonlyMap<string, ContainerReservation>;
  readonly offers: readonly Offer[];
  readonly now: number;
}): OfferPlan {
  const { options } = input;
  return planOffers({
    jobModel: { job: input.job, version: 0, containers: [] },
    resources: options.resources,
    storage: options.storage,
    containers: new Map(),
    lastHosts: new Map(),
    reservations: input.reservations,
    framework: { frameworkId: input.frameworkId, role: options.role, principal: options.principal },
    offers: input.offers,
    offersSuppressed: false,
    now: input.now,
    // No container waits, so no id is drawn.
    newUuid: randomUUID,
    settings: { ...options.timings, launch: options.launch },
  });
}
