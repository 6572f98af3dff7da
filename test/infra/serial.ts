/**
 * Preloaded (`--import`) into every test process by test/run.ts. Test files under test/integration/ and
 * test/e2e/ share one real Kafka and ZooKeeper, so they run one at a time while unit test files run in
 * parallel beside them: before such a file starts, its process takes a run-wide lock, held until it exits.
 *
 * The lock is a listening socket on a loopback port that test/run.ts chose (SLUICE_TEST_SERIAL_PORT): only
 * one process can listen on it, and the OS frees it when the process ends, however it ends.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const SERIAL_PORT_ENV = 'SLUICE_TEST_SERIAL_PORT';
const WAIT_LIMIT_MS = 45 * 60_000;

function needsLock(file: string | undefined): boolean {
  return file !== undefined && /[/\\]test[/\\](integration|e2e)[/\\]/.test(file);
}

function tryListen(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', () => resolve(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.unref(); // never keeps the test process alive
      resolve(server);
    });
  });
}

async function acquire(port: number, file: string): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < WAIT_LIMIT_MS) {
    if ((await tryListen(port)) !== undefined) return;
    await sleep(100);
  }
  throw new Error(`${file}: waited ${WAIT_LIMIT_MS / 60_000} min for the other integration tests to finish`);
}

// Only in the per-file child processes the test runner spawns (it marks them with NODE_TEST_CONTEXT),
// never in the runner itself.
const port = Number(process.env[SERIAL_PORT_ENV]);
const file = process.argv[1];
if (process.env.NODE_TEST_CONTEXT !== undefined && Number.isInteger(port) && port > 0 && needsLock(file)) {
  await acquire(port, file ?? '');
}

export {};
