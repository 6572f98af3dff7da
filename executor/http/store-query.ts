/**
 * A container's side of interactive store queries: `GET /stores/<store>/<key>?task=<task>` reads
 * one key of one of its tasks' stores through `store.api.get`, exactly as the task reads it: the
 * write-behind cache over the writes staged since the last commit over the engine. So an answer
 * shows the task's latest writes, committed or not (a crash may roll those back until their
 * messages are processed again). The scheduler finds the task and container of a key
 * (scheduler/http/store-query.ts); this side only answers.
 */
import type { KeyValueStore } from '../../shared/api/key-value-store.js';
import { builtInSerdes, type BuiltInSerdeName, type Serde } from '../../shared/api/serdes.js';
import { describeError, isSluiceError } from '../../shared/errors.js';
import { compareNames, findContainerOfTask, type JobModel } from '../../shared/model/job-model.js';
import { isBuiltInSerde, storeKeyFromText as keyFromText } from '../../shared/query/store-key-text.js';
import type { TaskInstance } from '../container/task-instance.js';

/** A store as a query reads it: what its task sees, and the serde its keys are written with. */
export interface QueryableStore {
  readonly api: KeyValueStore<unknown, unknown>;
  readonly keySerde: Serde<unknown>;
}

/** What the container runs now, for answering queries. */
export interface StoreQueryTarget {
  readonly container: string;
  /** The running tasks' stores: task → store name → store. */
  readonly tasks: ReadonlyMap<string, ReadonlyMap<string, QueryableStore>>;
  /** The newest job model the container knows, to name the container that runs another task. */
  readonly model: JobModel | undefined;
}

export interface StoreQueryAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export async function answerStoreQuery(
  target: StoreQueryTarget,
  store: string,
  key: string,
  task: string | null,
): Promise<StoreQueryAnswer> {
  if (task === null || task === '') {
    return {
      status: 400,
      body: {
        error: `name the task whose store to read: /stores/${store}/<key>?task=<task>; this container runs ${listed(target.tasks.keys())}`,
        code: 'QUERY_TASK_MISSING',
      },
    };
  }
  const stores = target.tasks.get(task);
  if (stores === undefined) {
    const owner = target.model === undefined ? undefined : findContainerOfTask(target.model, task)?.id;
    const where =
      owner === undefined
        ? 'no container of the job model it knows runs it'
        : `container ${owner} should (job model version ${target.model?.version})`;
    const error = `container ${target.container} does not run task '${task}'; ${where}; it runs ${listed(target.tasks.keys())}`;
    return { status: 404, body: { error, code: 'QUERY_TASK_NOT_HERE', store, key, task, owner: owner ?? null } };
  }
  const found = stores.get(store);
  if (found === undefined) {
    const error = `task '${task}' has no store '${store}'; its stores: ${listed(stores.keys())}`;
    return { status: 404, body: { error, code: 'QUERY_STORE_UNKNOWN', store, key, task, stores: [...stores.keys()].sort(compareNames) } };
  }
  let typed: unknown;
  try {
    typed = storeKeyFromText(found.keySerde, key, store);
    found.keySerde.toBytes(typed); // a key its serde refuses is the request's fault, not the store's
  } catch (error) {
    const code = isSluiceError(error) ? error.code : 'QUERY_KEY_INVALID';
    const reason =
      code === 'QUERY_KEY_INVALID' && isSluiceError(error)
        ? error.message
        : `store '${store}' cannot take the key '${key}': ${describeError(error)}`;
    return { status: 400, body: { error: reason, code, store, key, task } };
  }
  let value: unknown;
  try {
    value = await found.api.get(typed);
  } catch (error) {
    return {
      status: 500,
      body: { error: `reading key '${key}' of store '${store}' of task '${task}' failed: ${describeError(error)}`, store, key, task },
    };
  }
  if (value === undefined) {
    return {
      status: 404,
      body: { error: `key '${key}' is not in store '${store}' of task '${task}'`, code: 'QUERY_KEY_NOT_FOUND', store, key, task },
    };
  }
  return { status: 200, body: { store, key, task, value: jsonValue(value) } };
}

/**
 * The key given as URL text, as the store's key type (shared/query/store-key-text.ts, the reading the
 * scheduler routes by); a serde the job defines gets the text as it is.
 */
export function storeKeyFromText(serde: Serde<unknown>, text: string, store: string): unknown {
  const builtIn = isBuiltInSerde(serde.name) && (builtInSerdes[serde.name] as Serde<unknown>) === serde;
  return builtIn ? keyFromText(serde.name as BuiltInSerdeName, text, store) : text;
}

/** A stored value as JSON can carry it: bigints as decimal strings, Buffers as base64. */
function jsonValue(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, name: string, replaced: unknown) {
      const raw = this[name];
      if (Buffer.isBuffer(raw)) return raw.toString('base64');
      return typeof replaced === 'bigint' ? replaced.toString() : replaced;
    }),
  ) as unknown;
}

function listed(names: Iterable<string>): string {
  const sorted = [...names].sort(compareNames);
  return sorted.length === 0 ? 'no tasks' : sorted.map((name) => `'${name}'`).join(', ');
}

/** The stores of running tasks, as queries read them (the layer order is build-store.ts's: api → cache → serialized). */
export function queryableTasks(tasks: readonly TaskInstance[]): Map<string, Map<string, QueryableStore>> {
  return new Map(
    tasks.map((task) => {
      return [
        task.name,
        new Map([...task.stores].map(([name, store]) => [name, { api: store.api, keySerde: store.cache.inner.keySerde }])),
      ];
    }),
  );
}
