/**
 * Bad requests for fuzzing an HTTP server over raw sockets (what fetch cannot send): a seeded
 * generator of methods, request targets, headers and bodies, one request per connection, and the
 * slow and idle clients of the timeout tests.
 */
import net from 'node:net';
import tls from 'node:tls';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A seeded generator of numbers in [0, 1) (mulberry32): the same seed, the same cases. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzCase {
  /** What was sent, for the assertion message. */
  readonly label: string;
  readonly bytes: Buffer;
}

export interface RawAnswer {
  /** The status of each response in the answer (a request can be read as several). */
  readonly statuses: number[];
  readonly text: string;
  /** The server did not answer nor close in time. */
  readonly timedOut: boolean;
}

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'get', 'G\u0000T', 'BREW', ''];
const SEGMENTS = [
  '..',
  '%2e%2e',
  '%2E%2e%2f',
  '..%2f..%2fpackage.json',
  '%00',
  '%zz',
  '%',
  '%c3%28',
  '%ff%fe',
  '%2F',
  '%25',
  '',
  'ü',
  '日本語',
  '\u0001',
  '\u007f',
  '\t',
  ' ',
  'a?task=..',
  'k?task=%00',
  '#frag',
  'etc/passwd',
  '\\..\\..\\',
];
const HUGE_SIZES = [100, 4_000, 15_000, 17_000, 70_000];

function pick<T>(rnd: () => number, values: readonly T[]): T {
  return values[Math.floor(rnd() * values.length)] as T;
}

/** One bad (or now and then good) request to one of `paths`. */
export function fuzzCase(rnd: () => number, paths: readonly string[]): FuzzCase {
  const method = pick(rnd, METHODS);
  let target = pick(rnd, paths);
  const r = rnd();
  if (r < 0.6) {
    for (let n = 1 + Math.floor(rnd() * 3); n > 0; n -= 1) target += `/${pick(rnd, SEGMENTS)}`;
  } else if (r < 0.7) {
    target += `/${'x'.repeat(pick(rnd, HUGE_SIZES))}`;
  } else if (r < 0.75) {
    target = pick(rnd, ['*', 'http://evil.example/health', '//', '//evil.example/x', '', 'health', '/\u0000']);
  } else if (r < 0.8) {
    target += `?task=${pick(rnd, SEGMENTS)}&task=${'t'.repeat(Math.floor(rnd() * 3_000))}`;
  }
  const headers: string[] = ['Host: 127.0.0.1'];
  let body: Buffer = Buffer.alloc(0);
  const b = rnd();
  if (b < 0.15)
    body = Buffer.from(pick(rnd, ['{"containers": 2}', '{"containers": "two"}', '[1]', 'null', '{"containers": 1e400}', '{"a":']));
  else if (b < 0.2) body = Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]);
  else if (b < 0.25) body = Buffer.alloc(pick(rnd, [16_385, 100_000, 1_000_000]), '{');
  else if (b < 0.3) body = Buffer.from('['.repeat(8_000) + ']'.repeat(8_000));
  let length: string | undefined = body.length > 0 || method === 'POST' ? String(body.length) : undefined;
  let chunked = false;
  const h = rnd();
  if (h < 0.08) headers.push(`X-Huge: ${'h'.repeat(pick(rnd, HUGE_SIZES))}`);
  else if (h < 0.12) for (let n = 0; n < 2_100; n += 1) headers.push(`X-Many-${n}: v`);
  else if (h < 0.16) length = pick(rnd, ['-1', 'abc', '1e3', '0x10', ' 5', '99999999999999999999', '2, 3']);
  else if (h < 0.19) headers.push(`Content-Length: ${body.length + 1}`);
  else if (h < 0.23) chunked = true;
  else if (h < 0.26) headers.push(pick(rnd, ['Bad Header: x', 'NoColon', 'X-Ctl: a\u0001b', 'X-Fold: a\r\n b', 'X-Utf8: ü', ': empty']));
  else if (h < 0.3) headers.push(`Authorization: ${pick(rnd, ['Bearer', 'Bearer ' + 'x'.repeat(5_000), 'Basic Og==', 'Bearer \u00ff'])}`);
  else if (h < 0.33) headers.push('Transfer-Encoding: gzip, chunked');
  if (chunked) {
    headers.push('Transfer-Encoding: chunked');
    length = undefined;
    const garbage = pick(rnd, [
      'zz\r\nabc\r\n0\r\n\r\n',
      '5\r\nabc\r\n',
      'ffffffffffffffff\r\n',
      '3;ext\r\nabc\r\n0\r\n\r\n',
      '-1\r\n\r\n',
    ]);
    body = Buffer.concat([body.length > 0 ? Buffer.from(`${body.length.toString(16)}\r\n`) : Buffer.alloc(0), body, Buffer.from(garbage)]);
  }
  if (length !== undefined) headers.push(`Content-Length: ${length}`);
  if (rnd() < 0.8) headers.push('Connection: close');
  const head = `${method} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`;
  const label = `${method} ${JSON.stringify(target.length > 120 ? `${target.slice(0, 120)}…(${target.length})` : target)} ${
    headers.length > 6 ? `${headers.length} headers` : JSON.stringify(headers.map((line) => line.slice(0, 60)))
  } body ${body.length} B`;
  return { label, bytes: Buffer.concat([Buffer.from(head, 'latin1'), body]) };
}

/**
 * Sends `bytes` on a new connection, half-closes it and reads until the server closes it (or the
 * socket errs: a reset is a closed connection too) or `timeoutMs` passes.
 */
export function exchange(port: number, bytes: Buffer, timeoutMs: number, secure?: { readonly ca: string }): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket =
      secure === undefined ? net.connect({ port, host: '127.0.0.1' }) : tls.connect({ port, host: '127.0.0.1', ca: secure.ca });
    const chunks: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((match) => Number(match[1]));
      resolve({ statuses, text, timedOut });
    });
    socket.write(bytes, () => socket.end());
  });
}

/** `count` connections that send nothing; `allClosed` waits for the server to close them. */
export async function idleSockets(
  port: number,
  count: number,
): Promise<{ sockets: net.Socket[]; allClosed: (withinMs: number) => Promise<number> }> {
  let closed = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(socket));
          socket.once('error', reject);
          socket.on('close', () => (closed += 1));
        }),
    ),
  );
  for (const socket of sockets) socket.on('error', () => undefined);
  /** Waits until every socket is closed or `withinMs` passed (a loaded machine runs the server's timers late); how many are. */
  const allClosed = async (withinMs: number): Promise<number> => {
    const deadline = Date.now() + withinMs;
    while (closed < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return closed;
  };
  return { sockets, allClosed };
}

/**
 * A slowloris client: `head` sent at once, then `text` dribbled a byte every `everyMs`, resolving with when
 * the server closed the connection (ms after the start) and what it answered.
 */
export function dribble(port: number, text: string, everyMs: number, head = ''): Promise<{ closedAfterMs: number; answer: string }> {
  return new Promise((resolve) => {
    const start = Date.now();
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write(head));
    const chunks: Buffer[] = [];
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < text.length && socket.writable) socket.write(text[sent++] as string);
    }, everyMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - start, answer: Buffer.concat(chunks).toString('latin1') });
    });
  });
}

export interface FuzzRun {
  readonly port: number;
  /** Over TLS, trusting this CA (default: plain TCP). */
  readonly tls?: { readonly ca: string };
  /** The paths the cases start from (the server's routes, with parameters filled in). */
  readonly paths: readonly string[];
  readonly seed: number;
  readonly cases: number;
  /** Cases sent at once; the server must stay healthy after each batch. */
  readonly batch: number;
  readonly timeoutMs: number;
  /** Throws when the server is not healthy. */
  healthy(): Promise<void>;
  /** Why an answer's status is wrong for the case, or undefined (default: any 5xx is wrong). */
  wrong?(status: number, answer: RawAnswer): string | undefined;
}

export interface FuzzResult {
  readonly cases: number;
  /** Cases answered with a status (the others were closed without one). */
  readonly answered: number;
  readonly statuses: Readonly<Record<number, number>>;
  /** The process's RSS (server and client: one process) after a full GC, end minus start. */
  readonly rssGrowthMb: number;
  /** The highest RSS after a batch, minus the start. */
  readonly rssPeakGrowthMb: number;
  /** The JS heap in use after a full GC, end minus start: what the requests left behind. */
  readonly heapGrowthMb: number;
  readonly ms: number;
}

/** Sends `cases` fuzz cases in batches; the failures name each case and its answer. */
export async function fuzz(run: FuzzRun): Promise<{ result: FuzzResult; failures: string[] }> {
  const rnd = seeded(run.seed);
  const failures: string[] = [];
  const statuses: Record<number, number> = {};
  let answered = 0;
  const start = Date.now();
  const { rss: rssBefore, heapUsed: heapBefore } = afterGc();
  let rssPeak = rssBefore;
  for (let sent = 0; sent < run.cases; sent += run.batch) {
    const batch = Array.from({ length: Math.min(run.batch, run.cases - sent) }, () => fuzzCase(rnd, run.paths));
    const answers = await Promise.all(batch.map((c) => exchange(run.port, c.bytes, run.timeoutMs, run.tls)));
    for (const [index, answer] of answers.entries()) {
      const { label } = batch[index] as FuzzCase;
      const [first] = answer.statuses;
      if (answer.timedOut) failures.push(`${label}: no answer nor close within ${run.timeoutMs} ms`);
      if (first !== undefined) answered += 1;
      for (const status of answer.statuses) {
        statuses[status] = (statuses[status] ?? 0) + 1;
        const why = run.wrong ? run.wrong(status, answer) : status >= 500 ? 'a server error for bad input' : undefined;
        if (why !== undefined) failures.push(`${label}: ${status} (${why}): ${answer.text.slice(0, 300)}`);
      }
      const body = answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4);
      if (first !== undefined && first >= 400 && !label.startsWith('HEAD ') && body.trim() === '')
        failures.push(`${label}: ${first} without an error saying what was wrong: ${answer.text.slice(0, 300)}`);
    }
    await run.healthy();
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  const ms = Date.now() - start;
  const after = afterGc();
  return {
    result: {
      cases: run.cases,
      answered,
      statuses,
      rssGrowthMb: mb(after.rss - rssBefore),
      rssPeakGrowthMb: mb(Math.max(rssPeak, after.rss) - rssBefore),
      heapGrowthMb: mb(after.heapUsed - heapBefore),
      ms,
    },
    failures,
  };
}

/** The memory in use after a full garbage collection (node's gc, exposed for the test process only). */
function afterGc(): NodeJS.MemoryUsage {
  v8.setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage();
}
