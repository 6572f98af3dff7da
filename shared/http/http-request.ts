/**
 * The one HTTP(S) client of Sluice's own APIs (the CLI to the scheduler, the scheduler to the
 * containers): node's fetch cannot be given a CA, this can. It sends the token as a Bearer header,
 * bounds the whole exchange by a timeout and the answer's size, and never puts the token in an error.
 */
import http from 'node:http';
import https from 'node:https';
import { SluiceError } from '../errors.js';

/** How to reach a Sluice API: the CA its certificate is checked against and the token it is sent. */
export interface ApiAccess {
  readonly ca?: string | undefined;
  readonly token?: string | undefined;
}

export interface HttpRequestOptions {
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer <token>` when set and not empty. */
  readonly token?: string | undefined;
  /** PEM CA certificates trusted for an https URL (default: node's, the system's well-known CAs). */
  readonly ca?: string | undefined;
  readonly timeoutMs: number;
  /** A longer answer is an error (default 16 MiB). */
  readonly maxBytes?: number;
}

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Sends one request and reads the whole answer. Fails with HTTP_TIMEOUT, HTTP_ANSWER_TOO_LARGE,
 * or node's network error (its `code`: ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, …).
 */
export function httpRequest(url: string, options: HttpRequestOptions): Promise<HttpAnswer> {
  const target = new URL(url);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined && options.token !== '') headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      {
        method: options.method ?? 'GET',
        headers,
        ...(target.protocol === 'https:' && options.ca !== undefined ? { ca: options.ca } : {}),
        // One request, one connection: nothing lingers in an agent's pool after the answer.
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            request.destroy(new SluiceError('HTTP_ANSWER_TOO_LARGE', `${target.origin} answered more than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    const timer = setTimeout(
      () => request.destroy(new SluiceError('HTTP_TIMEOUT', `no answer within ${options.timeoutMs / 1000} s`, { retriable: true })),
      options.timeoutMs,
    );
    request.on('close', () => clearTimeout(timer));
    request.on('error', reject);
    request.end(options.body);
  });
}
