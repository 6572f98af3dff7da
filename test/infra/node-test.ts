/**
 * Node's own test runner (node:test `run`, spec reporter) over the files test/run.ts passes, in that order.
 * The CLI (`node --test a b c`) sorts its files, which would put test/integration/ before test/unit/; with
 * `run()` the order is ours, so one slot works through the (serialised, see serial.ts) integration files
 * while the other runs the unit files. Output and closing summary are the runner's usual ones.
 *
 * Started by test/run.ts as: node --import tsx --import test/infra/serial.ts test/infra/node-test.ts FILES...
 */
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const files = process.argv.slice(2);
const concurrency = Number(process.env.SLUICE_TEST_CONCURRENCY ?? '1');
// Per test file, including the time its process needs to exit (open handles keep it alive).
const fileTimeoutMs = Number(process.env.SLUICE_TEST_FILE_TIMEOUT_MS ?? String(20 * 60_000));

const stream = run({ files, concurrency: Math.max(1, concurrency), timeout: fileTimeoutMs });
stream.on('test:fail', (data) => {
  if (!data.todo) process.exitCode = 1;
});
stream.compose(new spec()).pipe(process.stdout);
