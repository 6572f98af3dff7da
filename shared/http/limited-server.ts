/**
 * The limits of Sluice's HTTP servers (the scheduler API, a container's status server) against
 * slow, huge or broken requests: how long a client may take to send its headers and its whole
 * request, how long an idle keep-alive connection stays open, and the answer to a request node's
 * parser refuses (a JSON error naming the fault, then the connection closes). Headers are capped by
 * node itself (`http.maxHeaderSize`, 16 KiB); bodies by each server (the status server reads none).
 * With a certificate and key the same server speaks HTTPS only: a plain-HTTP client's connection is
 * closed during the handshake, which is bounded by the header timeout too.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
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

/** A server's certificate chain and private key, PEM (read from files by shared/http/api-security.ts). */
export interface ServerTls {
  readonly cert: string;
  readonly key: string;
}

export interface LimitedServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly limits?: Partial<HttpLimits> | undefined;
  /** Serve HTTPS with this certificate; none: plain HTTP. */
  readonly tls?: ServerTls | undefined;
}

export interface RunningServer {
  /** `http(s)://host:port`, with the port it got. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a limited server listening on `host:port`; it answers with `listener`. */
export async function startLimitedServer(options: LimitedServerOptions, listener: http.RequestListener): Promise<RunningServer> {
  const server = limitedServer(options.limits, listener, options.tls);
  // Every socket, also one still in its TLS handshake: closeAllConnections knows only HTTP ones, and
  // close() would wait for the others.
  const sockets = new Set<Duplex>();
  server.on('connection', (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A server enforcing `limits`, answering what the parser refuses with a JSON error; HTTPS with `tls`. */
export function limitedServer(
  limits: Partial<HttpLimits> | undefined,
  listener: http.RequestListener,
  tls?: ServerTls,
): http.Server | https.Server {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, idleTimeoutMs } = { ...DEFAULT_HTTP_LIMITS, ...limits };
  const options: http.ServerOptions = {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    // Node checks the two timeouts this often (its default, 30 s, would let a slow client stay 30 s longer).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
  };
  const server =
    tls === undefined
      ? http.createServer(options, listener)
      : // A handshake that never ends would otherwise hold its socket for node's default 120 s.
        https.createServer({ ...options, cert: tls.cert, key: tls.key, handshakeTimeout: headersTimeoutMs }, listener);
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
