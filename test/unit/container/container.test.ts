import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import winston from 'winston';
import { FileCheckpointStore } from '../../../executor/checkpoint/file-checkpoints.js';
import { startContainer, type ContainerOptions } from '../../../executor/container/container.js';
import { bindJob, jobModelFor } from '../../../executor/job/job-binding.js';
import { MemorySystem } from '../../../executor/systems/memory/memory-system.js';
import { createEngine } from '../../../executor/store/engines/create-engine.js';
import { defineJob, type Job, type StreamTask } from '../../../shared/api/index.js';
import { compileJobConfig } from '../../../shared/config/job-config.js';
import { setLogLevel } from '../../../shared/log.js';

setLogLevel('error');

/** Runs a job on the embedded system over the given input lines and returns the system. */
async function run(
  job: Job,
  lines: (string | Buffer)[],
  extra: Record<string, unknown> = {},
  adapt: (system: MemorySystem) => void = () => undefined,
  dir?: string,
  more: Partial<ContainerOptions> = {},
) {
  dir ??= await mkdtemp(join(tmpdir(), 'sluice-container-'));
  const config = compileJobConfig(
    {
      job: { name: 'test', module: './unused.ts' },
      inputs: [{ topic: 'in' }],
      outputs: [{ topic: 'out' }, { topic: 'dead' }],
      stores: { seen: { engine: 'memory' } },
      task: { 'commit-ms': 50 },
      'state-dir': dir,
      ...extra,
    },
    join(dir, 'job.yaml'),
  );
  const system = new MemorySystem(new FileCheckpointStore(join(dir, 'checkpoints')), 2, 1);
  system.ensureTopic('in');
  lines.forEach((line, index) => system.topics.append('in', index % 2, [{ key: null, value: Buffer.from(line), timestamp: 0 }]));
  adapt(system);
  const jobModel = jobModelFor(config, new Map([['in', 2]]));
  const container = await startContainer({ binding: bindJob(config, job), jobModel, containerId: '0', system, ...more });
  return { system, container, dir };
}

function values(system: MemorySystem, topic: string): string[] {
  return [0, 1]
    .flatMap((partition) => system.topics.records({ topic, partition }).map((record) => record.value?.toString() ?? 'null'))
    .sort();
}

function taskThat(process: StreamTask['process'], extra: Partial<StreamTask> = {}) {
  return defineJob({ task: () => ({ process, ...extra }) });
}

/** Every task writer of `system` writes its checkpoints through `around`, which decides when (or whether) the real write runs. */
function interceptCheckpointWrites(system: MemorySystem, around: (write: () => Promise<void>) => Promise<void>): void {
  const open = system.openTaskWriter.bind(system);
  system.openTaskWriter = async (task, epoch) => {
    const writer = await open(task, epoch);
    return {
      ...writer,
      checkpoints: { write: (name, checkpoint, owned, step) => around(() => writer.checkpoints.write(name, checkpoint, owned, step)) },
    };
  };
}

/** A logger that keeps its entries (from `level` up) for the test to read. */
function recordingLogger(level: string): { logged: Record<string, unknown>[]; logger: winston.Logger } {
  const logged: Record<string, unknown>[] = [];
  const stream = new Writable({
    objectMode: true,
    write: (entry: Record<string, unknown>, _encoding, done) => {
      logged.push(entry);
      done();
    },
  });
  return { logged, logger: winston.createLogger({ level, transports: [new winston.transports.Stream({ stream })] }) };
}

describe('a container on the embedded system', () => {
  it('runs init, process, window, endOfStream and close, and writes a checkpoint per task', async () => {
    const calls: string[] = [];
    const job = defineJob({
      task: (name) => ({
        init: (context) => void calls.push(`init ${name} ${context.ssps.length}`),
        process: (envelope, collector) => collector.send({ topic: 'out', value: String(envelope.value).toUpperCase() }),
        window: () => void calls.push('window'),
        endOfStream: () => void calls.push(`end ${name}`),
        close: () => void calls.push(`close ${name}`),
      }),
    });
    const { system, container, dir } = await run(job, ['a', 'b', 'c'], { task: { 'commit-ms': 50, 'window-ms': 5 } });
    await container.done;
    assert.deepEqual(values(system, 'out'), ['A', 'B', 'C']);
    for (const name of ['Partition 0', 'Partition 1']) {
      for (const step of [`init ${name} 1`, `end ${name}`, `close ${name}`]) assert.ok(calls.includes(step), step);
    }
    const written = await new FileCheckpointStore(join(dir, 'checkpoints')).load([{ name: 'Partition 0' }, { name: 'Partition 1' }]);
    assert.deepEqual(written.get('Partition 0')?.inputs, { 'kafka.in.0': '2' });
    assert.deepEqual(written.get('Partition 1')?.inputs, { 'kafka.in.1': '1' });
  });

  it("sends only each key's latest message per commit to an output sent latest-per-commit, and every keyless one", async () => {
    // A running count per word: with latest-per-commit only the last count of each word in a commit goes out.
    const counts = new Map<string, number>();
    const job = taskThat((envelope, collector) => {
      const word = String(envelope.value);
      const count = (counts.get(word) ?? 0) + 1;
      counts.set(word, count);
      collector.send({ topic: 'out', key: word, value: String(count) });
      if (word === 'x') collector.send({ topic: 'out', value: 'keyless' });
    });
    // One partition, all input in one batch before the first commit (a long commit-ms; the end of input commits).
    const words = ['a', 'b', 'a', 'x', 'a', 'b'];
    const { system, container } = await run(job, words, {
      inputs: [{ topic: 'in' }],
      outputs: [{ topic: 'out', send: 'latest-per-commit' }, { topic: 'dead' }],
      task: { 'commit-ms': 30_000 },
    });
    await container.done;
    const sent = [0, 1].flatMap((partition) =>
      system.topics.records({ topic: 'out', partition }).map((record) => `${record.key?.toString() ?? '-'}=${record.value?.toString()}`),
    );
    // Per task (input partition): 'a', 'a', 'a' on partition 0 and 'b', 'x', 'b' on partition 1 (lines alternate).
    assert.deepEqual(sent.sort(), ['-=keyless', 'a=3', 'b=2', 'x=1']);
  });

  it('fails the container by default when process throws, naming the task and the message', async () => {
    const job = taskThat((envelope) => {
      if (envelope.value === 'bad') throw new Error('boom');
    });
    const { container } = await run(job, ['ok', 'ok', 'bad', 'ok']);
    await assert.rejects(container.done, /task 'Partition 0' failed on message in\[0\]@1: boom/);
  });

  it('skips a failing message with on-error skip, and processes the rest', async () => {
    const job = taskThat((envelope, collector) => {
      if (envelope.value === 'bad') throw new Error('boom');
      collector.send({ topic: 'out', value: String(envelope.value) });
    });
    const { system, container } = await run(job, ['a', 'bad', 'b', 'c'], { task: { 'on-error': 'skip', 'commit-ms': 50 } });
    await container.done;
    assert.deepEqual(values(system, 'out'), ['a', 'b', 'c']);
  });

  it('sends a message that cannot be deserialized to the dead-letter topic with the error', async () => {
    const job = taskThat((envelope, collector) => collector.send({ topic: 'out', value: String(envelope.value) }));
    const { system, container } = await run(job, [Buffer.from([0, 0, 0, 7]), Buffer.from([1, 2])], {
      inputs: [{ topic: 'in', 'value-serde': 'int32' }],
      task: { 'on-error': 'dead-letter', 'dead-letter-topic': 'dead', 'commit-ms': 50 },
    });
    await container.done;
    assert.deepEqual(values(system, 'out'), ['-2147483641']);
    const dead = system.topics.records({ topic: 'dead', partition: 0 }).concat(system.topics.records({ topic: 'dead', partition: 1 }));
    assert.equal(dead.length, 1);
    assert.deepEqual(dead[0]?.value, Buffer.from([1, 2]));
    assert.match(dead[0]?.headers?.['sluice-error'] ?? '', /serde 'int32' expected 4 bytes, got 2/);
    assert.equal(dead[0]?.headers?.['sluice-stage'], 'deserialize');
  });

  it('refuses to send to an output the config does not declare, and a store it does not declare', async () => {
    const job = taskThat((_envelope, collector) => collector.send({ topic: 'nowhere', value: 'x' }));
    const { container } = await run(job, ['a']);
    await assert.rejects(container.done, /sent to topic 'nowhere', which is not in the job config's outputs \(declared: out, dead\)/);
    const storeJob = defineJob({ task: () => ({ init: (context) => void context.getStore('missing'), process: () => undefined }) });
    await assert.rejects(run(storeJob, ['a']), /asked for store 'missing', which is not in the job config's stores/);
  });

  it('closes the stores it restored when its start fails, so the next start in this process can open them', async () => {
    const stores = { stores: { seen: { engine: 'rocksdb', changelog: true } } };
    const failingInit = defineJob({
      task: (name) => ({
        init: () => {
          if (name === 'Partition 1') throw new Error('init failed');
        },
        process: () => undefined,
      }),
    });
    const dir = await mkdtemp(join(tmpdir(), 'sluice-container-'));
    await assert.rejects(run(failingInit, ['a'], stores, undefined, dir), /init failed/);
    const again = await run(
      taskThat(() => undefined),
      ['a'],
      stores,
      undefined,
      dir,
    );
    await again.container.done;
  });

  it('closes its stores and its system after a failure even when its input refuses to pause and to close', async () => {
    let systemClosed = false;
    const wrap = (system: MemorySystem): void => {
      const openInput = system.openInput.bind(system);
      system.openInput = async (request) => {
        const input = await openInput(request);
        return {
          failed: input.failed,
          stopDelivering: (ssps) => input.stopDelivering(ssps),
          follow: (ssps) => input.follow(ssps),
          pause: () => {
            throw new Error('Consumer group was not initialized, consumer#run must be called first');
          },
          close: async () => {
            await input.close();
            throw new Error('the input could not close');
          },
        };
      };
      const close = system.close.bind(system);
      system.close = async () => {
        systemClosed = true;
        await close();
      };
    };
    const failing = taskThat((envelope) => {
      if (envelope.value === 'bad') throw new Error('boom');
    });
    const { container, dir } = await run(failing, ['ok', 'bad'], { stores: { seen: { engine: 'rocksdb' } } }, wrap);
    await assert.rejects(container.done, /boom/);
    assert.ok(systemClosed, 'the system was closed');
    const db = createEngine('rocksdb', join(dir, 'test', 'seen', encodeURIComponent('Partition 1'), 'db'), {});
    await db.open(); // its lock is free: the store was closed
    await db.close();
  });

  it('abandons a task whose last commit hangs once the clean-stop bound passes, naming the step it waits in', async () => {
    const { logged, logger } = recordingLogger('debug');
    let ending = false;
    // From the end of the input on, checkpoint writes never answer: the last commit hangs when the container is stopped.
    const hangLastWrite = (system: MemorySystem): void =>
      interceptCheckpointWrites(system, (write) => (ending ? new Promise<never>(() => undefined) : write()));
    const job = taskThat(() => undefined, {
      endOfStream: () => {
        ending = true;
      },
    });
    const { container } = await run(job, ['a', 'b', 'c'], {}, hangLastWrite, undefined, { logger, cleanStopMs: 300 });
    while (!ending) await new Promise((resolve) => setTimeout(resolve, 10));
    await container.stop();

    const warnings = logged.filter(
      (entry) => entry.message === 'a task did not stop cleanly in time; abandoning it without its last commit',
    );
    assert.equal(warnings.length, 2, 'both tasks were abandoned');
    for (const warning of warnings) {
      assert.equal(warning.step, 'checkpoint write', 'the warning names the step the task waits in');
      assert.ok(
        typeof warning.stepSeconds === 'number' && warning.stepSeconds >= 0.2,
        `it says for how long: ${String(warning.stepSeconds)}`,
      );
      assert.deepEqual(
        Object.keys(warning.commitStepsMs as object),
        ['store cache flush (seen)', 'output and changelog sends', 'changelog acknowledgements (seen)'],
        'and how long the steps before it took',
      );
    }
    const commits = logged.filter((entry) => entry.message === 'task committed');
    assert.ok(commits.length >= 2, 'every finished commit logs its steps at debug level');
    for (const commit of commits) {
      assert.equal(commit.level, 'debug');
      assert.deepEqual(Object.keys(commit.steps as object), [
        'store cache flush (seen)',
        'output and changelog sends',
        'changelog acknowledgements (seen)',
        'checkpoint write',
        'engine apply and OFFSET file (seen)',
      ]);
    }
    assert.ok(
      logged.some((entry) => entry.message === 'container stopped'),
      'the container stopped',
    );
  });

  it('hands tasks over one at a time: a dropped task commits and stops, the kept one runs on, an added one goes on from its checkpoint', async () => {
    const job = taskThat((envelope, collector) => collector.send({ topic: 'out', value: String(envelope.value) }));
    const { dir, config, system } = await unendingRun(20, 2);
    system.ensureTopic('in');
    const append = (partition: number, ...values: string[]) =>
      system.topics.append(
        'in',
        partition,
        values.map((value) => ({ key: null, value: Buffer.from(value), timestamp: 0 })),
      );
    const jobModel = jobModelFor(config, new Map([['in', 2]]));
    const container = await startContainer({ binding: bindJob(config, job), jobModel, containerId: '0', system });
    const eventually = async (what: string, holds: () => boolean) => {
      for (let tries = 0; !holds(); tries++) {
        if (tries > 500) assert.fail(`${what}: out has ${values(system, 'out').join(' ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    append(0, 'a0');
    append(1, 'b0');
    await eventually('both tasks processed', () => values(system, 'out').length === 2);
    const kept = container.tasks.find((task) => task.name === 'Partition 0');

    await container.dropTasks(['Partition 1']);
    assert.deepEqual(
      container.tasks.map((task) => task.name),
      ['Partition 0'],
    );
    const checkpoints = new FileCheckpointStore(join(dir, 'checkpoints'));
    assert.deepEqual(
      (await checkpoints.load([{ name: 'Partition 1' }])).get('Partition 1')?.inputs,
      { 'kafka.in.1': '1' },
      'its last commit',
    );
    append(0, 'a1');
    append(1, 'b1');
    await eventually('the kept task processing on', () => values(system, 'out').includes('a1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!values(system, 'out').includes('b1'), 'the dropped task no longer processes');

    await container.addTasks(jobModel, ['Partition 1']);
    await eventually('the added task going on from its checkpoint', () => values(system, 'out').includes('b1'));
    assert.equal(
      container.tasks.find((task) => task.name === 'Partition 0'),
      kept,
      'the kept task was never restarted',
    );
    await container.stop();
    assert.deepEqual(values(system, 'out'), ['a0', 'a1', 'b0', 'b1'], 'each message once');
  });

  it('stops cleanly when the stop and the next commit come due while a slow commit runs (no wake-up is lost)', async () => {
    // The commit timer (30 ms) fires while the write waits 150 ms: its wake-up, like the stop's, finds the loop busy.
    const { warnings, closed } = await stopDuringSlowCommit(30, 150);
    assert.deepEqual(warnings, [], 'the task stopped by itself, not abandoned by the clean-stop bound');
    assert.ok(closed, 'the task was closed after its last commit (an abandoned task is not)');
  });

  it('stops at once after the commit under way, not at the next commit timer', async () => {
    // commit-ms 30 s: a loop that missed the stop's wake-up would sleep until the bound (3 s) abandons it.
    const { warnings, closed } = await stopDuringSlowCommit(30_000, 50);
    assert.deepEqual(warnings, [], 'the task stopped by itself, not abandoned by the clean-stop bound');
    assert.ok(closed, 'the task was closed after its last commit');
  });
});

/**
 * A job on an embedded system of `partitions` input partitions whose input never ends, as on Kafka
 * (two containers expected, one started), committing every `commitMs`.
 */
async function unendingRun(commitMs: number, partitions: number) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-container-'));
  const config = compileJobConfig(
    {
      job: { name: 'test', module: './unused.ts' },
      inputs: [{ topic: 'in' }],
      outputs: [{ topic: 'out' }],
      stores: { seen: { engine: 'memory' } },
      task: { 'commit-ms': commitMs },
      'state-dir': dir,
    },
    join(dir, 'job.yaml'),
  );
  const system = new MemorySystem(new FileCheckpointStore(join(dir, 'checkpoints')), partitions, 2);
  return { dir, config, system };
}

/**
 * Stops a container whose one task is in a commit held for `holdMs` (its checkpoint write waits),
 * with commits every `commitMs`; returns what was logged at warn level and whether the task was closed.
 */
async function stopDuringSlowCommit(commitMs: number, holdMs: number): Promise<{ warnings: Record<string, unknown>[]; closed: boolean }> {
  const { config, system } = await unendingRun(commitMs, 1);
  system.ensureTopic('in');
  system.topics.append('in', 0, [{ key: null, value: Buffer.from('a'), timestamp: 0 }]);
  // From `slow` on, a checkpoint write waits until the test lets it go (a commit slower than commit-ms).
  let slow = false;
  let entered: () => void = () => undefined;
  const writeEntered = new Promise<void>((resolve) => (entered = resolve));
  let letGo: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (letGo = resolve));
  interceptCheckpointWrites(system, async (write) => {
    if (slow) {
      entered();
      await released;
    }
    await write();
  });
  let processed = 0;
  let closed = false;
  const job = taskThat(
    (_envelope, _collector, coordinator) => {
      processed++;
      // Every message asks for a commit, so the test chooses when the slow one begins.
      coordinator.commit();
    },
    {
      close: () => {
        closed = true;
      },
    },
  );
  const { logged, logger } = recordingLogger('warn');
  const jobModel = jobModelFor(config, new Map([['in', 1]]));
  const container = await startContainer({
    binding: bindJob(config, job),
    jobModel,
    containerId: '0',
    system,
    logger,
    cleanStopMs: 3000,
  });
  while (processed === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  slow = true;
  system.topics.append('in', 0, [{ key: null, value: Buffer.from('b'), timestamp: 0 }]);
  await writeEntered;
  const stopped = container.stop();
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  slow = false;
  letGo();
  await stopped;
  return { warnings: logged, closed };
}
