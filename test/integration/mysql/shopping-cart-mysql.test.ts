import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { randomCartCommands } from '../../../examples/shopping-cart/random-commands.js';
import type { Cart } from '../../../examples/shopping-cart/shopping-cart.js';
import { createKafka } from '../../../shared/kafka/client.js';
import { ensureTopic } from '../../../shared/kafka/topics.js';
import { kafkaBrokers, testLogDir, uniqueName } from '../../infra/services.js';
import { rootConnection, testMySqlConfig } from '../../infra/mysql.js';

const repo = resolve(import.meta.dirname, '../../..');
const example = join(repo, 'examples/shopping-cart');
const PARTITIONS = 4;
const COMMANDS = 30_000;

describe('the shopping cart on MySQL, SIGKILLed at random points of its commits', { timeout: 300_000 }, () => {
  it('ends with exactly the carts of the commands, read with SQL', async () => {
    const mysql = testMySqlConfig();
    const dir = await mkdtemp(join(tmpdir(), 'sluice-cart-mysql-'));
    const input = uniqueName('cart-commands');
    // The example's config, on this run's Kafka and MariaDB, with commits every 50 ms so kills land in them.
    const config = parseYaml(await readFile(join(example, 'job-mysql.yaml'), 'utf8')) as Record<string, unknown>;
    Object.assign(config, {
      job: { name: 'shopping-cart', module: join(example, 'shopping-cart.ts') },
      inputs: [{ topic: input, 'value-serde': 'json' }],
      mysql: {
        host: mysql.host,
        port: mysql.port,
        database: mysql.database,
        user: mysql.user,
        'password-file': mysql.passwordFile,
        'table-prefix': mysql.tablePrefix,
      },
      task: { 'commit-ms': 50 },
      kafka: { 'session-timeout-ms': 6000 },
      'state-dir': join(dir, 'state'),
    });
    const configFile = join(dir, 'job.json');
    await writeFile(configFile, JSON.stringify(config));

    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'cart-mysql-test' });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
    const root = await rootConnection();
    const children: ChildProcess[] = [];
    try {
      for (const topic of [input, 'carts', 'cart-views']) {
        await ensureTopic(admin, { topic, partitions: PARTITIONS, compacted: false, purpose: 'the test' });
      }
      const { messages, carts } = randomCartCommands(COMMANDS, 11);
      // The commands arrive throughout the kills (100 every 20 ms), so every run has work to commit;
      // the second half waits for the third kill, however slowly a loaded machine restarts containers.
      let produced = false;
      let kills = 0;
      const producing = (async () => {
        const deadline = Date.now() + 180_000;
        for (let start = 0; start < messages.length; start += 100) {
          while (start >= messages.length / 2 && kills < 3 && Date.now() < deadline) await sleep(50);
          await producer.send({ topic: input, acks: -1, messages: messages.slice(start, start + 100) });
          await sleep(20);
        }
        produced = true;
      })();
      const log = createWriteStream(join(testLogDir(), `${input}-container.log`), { flags: 'a' });
      const start = (): ChildProcess => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', join(repo, 'bin/sluice.ts'), 'run', configFile, '--kafka', kafkaBrokers().join(','), '--container', '0'],
          { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLUICE_LOG_LEVEL: 'info' } },
        );
        child.stdout?.pipe(log, { end: false });
        child.stderr?.pipe(log, { end: false });
        children.push(child);
        return child;
      };
      /** Per input partition, the next offset of the checkpoint committed in MySQL. */
      const checkpointed = async (): Promise<number> => {
        // Before the container's first start the table is not there yet: nothing is checkpointed.
        const [rows] = await root
          .query(`SELECT inputs FROM \`${mysql.tablePrefix}tasks\` WHERE inputs IS NOT NULL`)
          .catch((error: { code?: string }) => (error.code === 'ER_NO_SUCH_TABLE' ? [[]] : Promise.reject(error)));
        let total = 0;
        for (const { inputs } of rows as { inputs: string }[])
          for (const offset of Object.values(JSON.parse(inputs) as Record<string, string>)) total += Number(offset);
        return total;
      };

      // Kill the container at random moments while it works through the input (commits every 50 ms),
      // each time once it has committed more since the last kill, so every kill interrupts real work.
      let seed = 5;
      for (let round = 0; round < 20 && !produced; round++) {
        const before = await checkpointed();
        const child = start();
        const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
        const deadline = Date.now() + 60_000;
        while ((await checkpointed()) <= before && Date.now() < deadline && child.exitCode === null) await sleep(20);
        assert.equal(child.exitCode, null, `the container exited by itself (see ${input}-container.log)`);
        seed = (seed * 7919 + 13) % 10007;
        await sleep(seed % 400);
        child.kill('SIGKILL');
        await exited;
        kills++;
      }
      await producing;
      assert.ok(kills >= 3, `the container was killed ${kills} times while the commands arrived`);
      const total = (await admin.fetchTopicOffsets(input)).reduce((sum, p) => sum + Number(p.offset), 0);
      assert.equal(total, COMMANDS);

      // A last run to the end, then a clean stop. The killed runs may have checkpointed every command
      // already: wait until this one has started (its SIGTERM handler is in place) before stopping it.
      const last = start();
      let output = '';
      const started = new Promise<boolean>((resolveStarted) => {
        for (const stream of [last.stdout, last.stderr]) {
          stream?.on('data', (chunk: Buffer) => {
            output = (output + chunk.toString()).slice(-4096);
            if (output.includes('"container started"')) resolveStarted(true);
          });
        }
      });
      assert.ok(await Promise.race([started, sleep(120_000).then(() => false)]), 'the last run started within 120 s');
      const deadline = Date.now() + 120_000;
      while ((await checkpointed()) < total && Date.now() < deadline) await sleep(100);
      last.kill('SIGTERM');
      assert.equal(await new Promise((resolveExit) => last.once('exit', resolveExit)), 0);
      assert.equal(await checkpointed(), total, 'every command is covered by the checkpoint in MySQL');

      const [rows] = await root.query(
        `SELECT CAST(k AS CHAR) AS user, CAST(v AS CHAR) AS cart FROM \`${mysql.tablePrefix}store_carts\` ORDER BY k`,
      );
      const found = new Map((rows as { user: string; cart: string }[]).map((row) => [row.user, JSON.parse(row.cart) as Cart]));
      assert.deepEqual(
        Object.fromEntries([...found].sort()),
        Object.fromEntries([...carts].sort()),
        'the carts in MySQL are exactly those of the commands: nothing lost, nothing applied twice',
      );
    } finally {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await root.end();
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
  });
});
