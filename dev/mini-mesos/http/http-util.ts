/**
 * The HTTP plumbing the master's and the agents' v1 endpoints share: reading a call body in the
 * format its Content-Type names, and answering errors the way libprocess does (status + a plain
 * text reason). Handlers throw MesosError; its code carries the status Mesos uses.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MesosError,
  codecFor,
  isMesosError,
  wireFormatOfContentType,
  type MesosCodec,
  type MessageCodec,
} from '../../../shared/mesos/index.js';

/** Offers and task infos are small; this only guards against a runaway client. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new MesosError('MESOS_BAD_REQUEST', `Request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The v1 call prologue of master/http.cpp and slave/http.cpp: POST only (405 with `Allow`),
 * Content-Type present (400) and JSON or protobuf (415), body decodable (400).
 */
export async function decodeCall<T>(
  req: http.IncomingMessage,
  pick: (codec: MesosCodec) => MessageCodec<T>,
): Promise<{ call: T; codec: MesosCodec }> {
  if (req.method !== 'POST') {
    throw new MesosError('MESOS_METHOD_NOT_ALLOWED', `Expecting a 'POST' request, received '${req.method ?? ''}'`);
  }
  const codec = codecFor(wireFormatOfContentType(req.headers['content-type']));
  const body = await readBody(req);
  try {
    return { call: pick(codec).decode(body), codec };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MesosError('MESOS_BAD_REQUEST', `Failed to parse body into Call protobuf: ${reason}`, { cause: error });
  }
}

/** Answers an error like libprocess: the status of the MesosError's code, the message as text. */
export function answerError(res: http.ServerResponse, error: unknown): void {
  const status = isMesosError(error) ? (error.httpStatus ?? 500) : 500;
  const message = error instanceof Error ? error.message : String(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (status === 405) headers.Allow = 'POST';
  res.writeHead(status, headers).end(message);
}

/** libprocess's `Unauthorized`: 401 with the authenticator's challenge and an empty body. */
export function answerUnauthorized(res: http.ServerResponse, challenge: string): void {
  res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Type': 'text/plain; charset=utf-8' }).end();
}

export function answer(res: http.ServerResponse, status: number, body = ''): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
}

export function answerJson(res: http.ServerResponse, value: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
}

/** Runs an async handler per request; anything it throws becomes an error answer. */
export function createServer(handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>): http.Server {
  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => answerError(res, error));
  });
}

export async function listen(server: http.Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Closes the server and every connection on it (event streams included), like a process exit. */
export async function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
