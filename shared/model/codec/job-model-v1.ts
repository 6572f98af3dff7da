import { SluiceError } from '../../errors.js';
import { normalizeJobModel, type ContainerModel, type JobModel, type Ssp, type TaskModel } from '../job-model.js';

/**
 * Job model format 1, as stored in ZooKeeper. Compact JSON, keys in this order, containers by id,
 * tasks by name (natural order), SSPs by system, topic, partition:
 *
 *   { "format": 1, "job": string, "version": integer ≥ 1,
 *     "containers": [ { "id": string,
 *       "tasks": [ { "name": string, "changelogPartition": integer ≥ 0,
 *         "ssps": [ { "system": string, "topic": string, "partition": integer ≥ 0 } ] } ] } ] }
 *
 * Unknown fields are refused: any change to this grammar is a new format number and a new file.
 */
export const FORMAT_V1 = 1;

export function encodeJobModelV1(model: JobModel): string {
  const canonical = normalizeJobModel(model);
  return JSON.stringify({
    format: FORMAT_V1,
    job: canonical.job,
    version: canonical.version,
    containers: canonical.containers.map((container) => ({
      id: container.id,
      tasks: container.tasks.map((task) => ({
        name: task.name,
        changelogPartition: task.changelogPartition,
        ssps: task.ssps.map((ssp) => ({ system: ssp.system, topic: ssp.topic, partition: ssp.partition })),
      })),
    })),
  });
}

/** Paths read like the JSON: `containers[1].tasks[0].changelogPartition`; '' is the document. */
function field(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function corrupt(path: string, problem: string): SluiceError {
  const where = path === '' ? 'the document' : path;
  return new SluiceError('MODEL_CODEC_FIELD_INVALID', `job model data is corrupt: ${where} ${problem}`, { context: { path } });
}

function describe(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value).slice(0, 40);
}

/** The object at `path` with exactly `keys`, so a typo or a field from a newer writer is caught. */
function record(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt(path, `is ${describe(value)}; expected an object`);
  }
  const object = value as Record<string, unknown>;
  const unknown = Object.keys(object).find((key) => !keys.includes(key));
  if (unknown !== undefined) throw corrupt(field(path, unknown), `is not a field of job model format ${FORMAT_V1}`);
  return object;
}

function text(object: Record<string, unknown>, key: string, path: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') {
    throw corrupt(field(path, key), `is ${describe(value)}; expected a non-empty string`);
  }
  return value;
}

function integer(object: Record<string, unknown>, key: string, path: string, min: number): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw corrupt(field(path, key), `is ${describe(value)}; expected an integer ≥ ${min}`);
  }
  return value;
}

function list(object: Record<string, unknown>, key: string, path: string): unknown[] {
  const value = object[key];
  if (!Array.isArray(value)) throw corrupt(field(path, key), `is ${describe(value)}; expected an array`);
  return value;
}

function decodeSsp(value: unknown, path: string): Ssp {
  const ssp = record(value, path, ['system', 'topic', 'partition']);
  return { system: text(ssp, 'system', path), topic: text(ssp, 'topic', path), partition: integer(ssp, 'partition', path, 0) };
}

function decodeTask(value: unknown, path: string): TaskModel {
  const task = record(value, path, ['name', 'changelogPartition', 'ssps']);
  return {
    name: text(task, 'name', path),
    changelogPartition: integer(task, 'changelogPartition', path, 0),
    ssps: list(task, 'ssps', path).map((ssp, i) => decodeSsp(ssp, `${path}.ssps[${i}]`)),
  };
}

function decodeContainer(value: unknown, path: string): ContainerModel {
  const container = record(value, path, ['id', 'tasks']);
  return {
    id: text(container, 'id', path),
    tasks: list(container, 'tasks', path).map((task, i) => decodeTask(task, `${path}.tasks[${i}]`)),
  };
}

/** Checks the shape of an already parsed format-1 document; `validateJobModel` checks the meaning. */
export function decodeJobModelV1(document: unknown): JobModel {
  const root = record(document, '', ['format', 'job', 'version', 'containers']);
  return {
    job: text(root, 'job', ''),
    version: integer(root, 'version', '', 1),
    containers: list(root, 'containers', '').map((c, i) => decodeContainer(c, `containers[${i}]`)),
  };
}
