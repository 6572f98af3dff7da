/**
 * How a job model is laid out in ZooKeeper (pure, no I/O): one node per container and a small root.
 * One node for the whole model (format 1) outgrew ZooKeeper's 1 MB node limit at about 1,000
 * containers of 10 tasks, and a rescale rewrote all of it. Now:
 *
 *   jobmodel/current                 the root, format 2: {"format":2,"job","version","containers":[{"id","since"}]}
 *   jobmodel/containers/<id>@<since> that container's part: a format-1 model holding only it, at version `since`
 *
 * `since` is the model version in which the container's part last changed, so a part node is
 * never rewritten: a new model creates nodes only for the containers whose tasks changed, then
 * moves the root (the one compare-and-set that publishes it), then deletes the parts it replaced.
 * A reader that meets a part deleted under it has read a root that was replaced meanwhile, and
 * reads the root again. A root in format 1 is a whole model, as written before this layout.
 */
import { SluiceError } from '../errors.js';
import { decodeJobModel, encodeJobModel } from '../model/job-model-codec.js';
import type { ContainerModel, JobModel } from '../model/job-model.js';
import { encodeNodeName } from './layout.js';

export const ROOT_FORMAT = 2;

export interface PartRef {
  readonly id: string;
  /** The model version that wrote this container's part. */
  readonly since: number;
}

export interface ModelRoot {
  readonly job: string;
  readonly version: number;
  readonly containers: readonly PartRef[];
}

/** The node name of a part: the escaped id never holds '@' (encodeURIComponent escapes it). */
export function partName(part: PartRef): string {
  return `${encodeNodeName(part.id)}@${part.since}`;
}

export function encodeRoot(root: ModelRoot): Buffer {
  const containers = root.containers.map(({ id, since }) => ({ id, since }));
  return Buffer.from(JSON.stringify({ format: ROOT_FORMAT, job: root.job, version: root.version, containers }), 'utf8');
}

function corrupt(problem: string): SluiceError {
  return new SluiceError('MODEL_CODEC_FIELD_INVALID', `job model root is corrupt: ${problem}`);
}

/** The root, or the whole model when the node holds format 1. */
export function decodeRoot(data: Buffer): ModelRoot | { readonly whole: JobModel } {
  let document: unknown;
  try {
    document = JSON.parse(data.toString('utf8'));
  } catch {
    return { whole: decodeJobModel(data) }; // names what is wrong with the bytes
  }
  const value = document as { format?: unknown; job?: unknown; version?: unknown; containers?: unknown };
  if (value.format !== ROOT_FORMAT) return { whole: decodeJobModel(data) };
  if (typeof value.job !== 'string' || !Number.isSafeInteger(value.version) || !Array.isArray(value.containers))
    throw corrupt('expected job, version and containers');
  const containers = value.containers.map((entry: unknown, i) => {
    const part = entry as { id?: unknown; since?: unknown };
    if (typeof part.id !== 'string' || !Number.isSafeInteger(part.since)) throw corrupt(`containers[${i}] needs an id and a since`);
    return { id: part.id, since: part.since as number };
  });
  return { job: value.job, version: value.version as number, containers };
}

export function encodePart(job: string, since: number, container: ContainerModel): Buffer {
  return Buffer.from(encodeJobModel({ job, version: since, containers: [container] }), 'utf8');
}

export function decodePart(data: Buffer, part: PartRef): ContainerModel {
  const model = decodeJobModel(data);
  const container = model.containers[0];
  if (container === undefined || model.containers.length !== 1 || container.id !== part.id || model.version !== part.since)
    throw corrupt(`the part of container '${part.id}' at version ${part.since} holds something else`);
  return container;
}

/** What the store holds of a model it read or wrote: its root and each container's part bytes. */
export interface StoredParts {
  readonly root: ModelRoot;
  readonly parts: ReadonlyMap<string, Buffer>;
}

export interface PartsWrite {
  readonly next: StoredParts;
  /** Parts to create before the root moves. */
  readonly created: readonly PartRef[];
  /** Parts to delete after it moved. */
  readonly replaced: readonly PartRef[];
}

/** The parts of `model` given what is stored: a container whose part is byte-for-byte the same keeps it. */
export function planParts(model: JobModel, stored: StoredParts | undefined): PartsWrite {
  const before = new Map((stored?.root.containers ?? []).map((part) => [part.id, part]));
  const refs: PartRef[] = [];
  const parts = new Map<string, Buffer>();
  const created: PartRef[] = [];
  for (const container of model.containers) {
    const old = before.get(container.id);
    const oldBytes = old === undefined ? undefined : stored?.parts.get(container.id);
    const same = old !== undefined && oldBytes !== undefined && oldBytes.equals(encodePart(model.job, old.since, container));
    const ref = same ? old : { id: container.id, since: model.version };
    refs.push(ref);
    parts.set(container.id, same ? oldBytes : encodePart(model.job, ref.since, container));
    if (!same) created.push(ref);
  }
  const kept = new Set(refs.map(partName));
  const replaced = (stored?.root.containers ?? []).filter((part) => !kept.has(partName(part)));
  return { next: { root: { job: model.job, version: model.version, containers: refs }, parts }, created, replaced };
}
