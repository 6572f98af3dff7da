/**
 * The limits of Sluice's HTTP servers (the scheduler API, a container's status server) against
 * slow, huge or broken requests: how long a client may take to send its headers and its whole
 * request, how long an idle keep-alive connection stays open, and the answer to a request node's
 * parser refuses (a JSON error naming the fault, then the connection closes). Headers are capped by
 * node itself (`http.maxHeaderSize`, 16 KiB); bodies by each server (the status server reads none).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';

export interface HttpLimits {
  /** From a connection's first byte (or a request's) to the end of its headers. */
  readonly headersTimeoutMs: number;
  /** From a request's first byte to its last. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /**
   * A connection silent this long is closed, also one that never sent a byte (node's header timeout
   * starts only with a request's first byte).
   */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 10_000,
};

/** A server enforcing `limits`, answering what the parser refuses with a JSON error. */
export function limitedServer(limits: Partial<HttpLimits> | undefined, listener: http.RequestListener): http.Server {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, idleTimeoutMs } = { ...DEFAULT_HTTP_LIMITS, ...limits };
  const server = http.createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Node checks the two timeouts this often (its default, 30 s, would let a slow client stay 30 s longer).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
    },
    listener,
  );
  server.keepAliveTimeout = keepAliveTimeoutMs;
  // With no 'timeout' listener, node destroys the silent socket.
  server.timeout = idleTimeoutMs;
  server.on('clientError', answerClientError);
  return server;
}

/** What a refused request gets: a status and a JSON error naming the fault, then a closed connection. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || pending?.headersSent === true) {
    socket.destroy();
    return;
  }
  const [status, reason] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, `the request's headers are over ${http.maxHeaderSize} bytes`]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request was not received in time; send it whole, without pauses']
        : [400, `the request is not valid HTTP/1.1: ${error.message}`];
  const body = JSON.stringify({ error: reason, ...(error.code ? { code: error.code } : {}) });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
