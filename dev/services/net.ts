/** Loopback ports, deadlines and bounded waiting, shared by the service launchers. */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOOPBACK = '127.0.0.1';

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it; we close it again at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a probe socket'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Distinct free ports (asking twice in a row can return the same port once it is closed). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count && attempt < count * 20; attempt++) ports.add(await freePort());
  if (ports.size < count) throw new Error(`could not find ${count} distinct free ports on ${LOOPBACK}`);
  return [...ports];
}

/** True if something accepts TCP connections on 127.0.0.1:port. */
export async function portOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Sends a ZooKeeper four-letter word and returns the whole answer (the server closes after it). */
export async function fourLetterWord(port: number, word: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK, port });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no answer to "${word}" on port ${port} within ${timeoutMs} ms`));
    });
    socket.once('connect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** An absolute point in time that several steps share. */
export class Deadline {
  readonly at: number;

  constructor(
    readonly totalMs: number,
    readonly what: string,
  ) {
    this.at = Date.now() + totalMs;
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  expired(): boolean {
    return Date.now() >= this.at;
  }
}

/** Rejects with `message` if `promise` has not settled within `ms`. The timer never keeps the process alive. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (timed out after ${ms} ms)`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `probe` every `intervalMs` until it returns a value other than undefined, or the deadline passes
 * (then throws with the last error seen). `abort` is checked between tries, e.g. "the process died".
 */
export async function pollUntil<T>(
  deadline: Deadline,
  description: string,
  probe: () => Promise<T | undefined>,
  options: { intervalMs?: number; abort?: () => string | undefined } = {},
): Promise<T> {
  const intervalMs = options.intervalMs ?? 200;
  let lastError: unknown;
  for (let attempt = 0; ; attempt++) {
    const aborted = options.abort?.();
    if (aborted !== undefined) throw new Error(`${description}: ${aborted}`);
    try {
      const value = await withTimeout(probe(), Math.max(1, deadline.remainingMs()), description);
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (deadline.expired()) {
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`${description}: not ready after ${deadline.totalMs} ms (${attempt + 1} tries)${cause}`);
    }
    await sleep(Math.min(intervalMs, deadline.remainingMs()));
  }
}
