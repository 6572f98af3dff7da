/**
 * Node's own test runner (node:test `run`, spec reporter) over the files test/run.ts passes, in that order.
 * The CLI (`node --test a b c`) sorts its files, which would put test/integration/ before test/unit/; with
 * `run()` the order is ours, so one slot works through the (serialised, see serial.ts) integration files
 * while the other runs the unit files. Output and closing summary are the runner's usual ones, preceded by
 * a line for each file slower than 30 s.
 *
 * Started by test/run.ts as: node --import tsx --import test/infra/serial.ts test/infra/node-test.ts FILES...
 */
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const files = process.argv.slice(2);
const concurrency = Number(process.env.SLUICE_TEST_CONCURRENCY ?? '1');
// Per test file, including the time its process needs to exit (open handles keep it alive).
const fileTimeoutMs = Number(process.env.SLUICE_TEST_FILE_TIMEOUT_MS ?? String(20 * 60_000));
/** Files whose tests take longer are named at the end of the run, so slow ones are seen. */
const SLOW_FILE_MS = 30_000;

const stream = run({ files, concurrency: Math.max(1, concurrency), timeout: fileTimeoutMs });
stream.on('test:fail', (data) => {
  if (!data.todo) process.exitCode = 1;
});

// A file's time is the sum of its top-level tests (they run one after another): it leaves out the wait
// for the integration lock and process start-up, so it is the file's own cost.
const fileMs = new Map<string, number>();
const addTime = (data: { nesting: number; file?: string; details: { duration_ms: number } }): void => {
  if (data.nesting === 0 && data.file !== undefined) fileMs.set(data.file, (fileMs.get(data.file) ?? 0) + data.details.duration_ms);
};
stream.on('test:pass', addTime);
stream.on('test:fail', addTime);
stream.once('end', () => {
  const slow = [...fileMs].filter(([, ms]) => ms > SLOW_FILE_MS).sort(([, a], [, b]) => b - a);
  // To stderr: test/run.ts keeps node's closing summary (stdout) for last.
  if (slow.length > 0) process.stderr.write(`\ntest files slower than ${SLOW_FILE_MS / 1000} s:\n`);
  for (const [file, ms] of slow)
    process.stderr.write(`slow: ${(ms / 1000).toFixed(1).padStart(6)} s  ${path.relative(process.cwd(), file)}\n`);
});
stream.compose(new spec()).pipe(process.stdout);
