/**
 * A client of the scheduler API (what `sluice status | rescale | kill` use), over http or https
 * (trusting `access.ca` when given). Every failure is a SluiceError whose message says what to do:
 * start the scheduler, pass the token or the CA, ask the leader. No message holds the token.
 */
import { describeError, isSluiceError, SluiceError } from '../../shared/errors.js';
import { httpRequest, type ApiAccess } from '../../shared/http/http-request.js';
import type { JobView } from './job-state.js';

export interface RescaleAnswer {
  readonly job: string;
  readonly containers: number;
  readonly jobModelVersion: number | null;
}

export interface RemoveAnswer {
  readonly job: string;
  readonly removed: boolean;
}

/** Reads answer at once; a rescale or removal waits for the framework's queue and ZooKeeper. */
const READ_TIMEOUT_MS = 10_000;
const MUTATION_TIMEOUT_MS = 60_000;
/** A removal stops the containers and releases their reservations first (up to 60 s by default), then tears down. */
const REMOVE_TIMEOUT_MS = 150_000;

/** node's codes for a certificate it does not trust. */
const TLS_FAILURES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export class SchedulerApiClient {
  /** `baseUrl`: http(s)://host:port of a scheduler, without the API path. */
  constructor(
    private readonly baseUrl: string,
    private readonly access: ApiAccess = {},
  ) {}

  job(): Promise<JobView> {
    return this.call<JobView>('GET', '/api/v1/job');
  }

  rescale(containers: number): Promise<RescaleAnswer> {
    return this.call<RescaleAnswer>('POST', '/api/v1/rescale', { containers });
  }

  removeJob(): Promise<RemoveAnswer> {
    return this.call<RemoveAnswer>('DELETE', '/api/v1/job');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUrl).href;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const timeoutMs = method === 'GET' ? READ_TIMEOUT_MS : method === 'DELETE' ? REMOVE_TIMEOUT_MS : MUTATION_TIMEOUT_MS;
    let answer: { readonly status: number; readonly text: string };
    try {
      answer = await httpRequest(url, {
        method,
        headers,
        ...this.access,
        timeoutMs,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw this.unreachable(error);
    }
    const parsed = parseJson(answer.text);
    if (answer.status >= 200 && answer.status < 300 && parsed !== undefined) return parsed as T;
    throw this.refusal(method, path, answer.status, parsed, answer.text);
  }

  private unreachable(error: unknown): SluiceError {
    const code = (error as { code?: unknown }).code;
    const why = isSluiceError(error)
      ? error.message
      : code === 'ECONNREFUSED'
        ? 'connection refused'
        : `${describeError(error)}${typeof code === 'string' ? ` (${code})` : ''}`;
    const tlsAdvice = TLS_FAILURES.has(String(code))
      ? `: its certificate is not trusted; pass the CA that signed it with --ca`
      : code === 'ECONNRESET' || code === 'EPROTO'
        ? `: does it serve ${this.baseUrl.startsWith('https:') ? 'plain http' : 'https'}?`
        : `: is the scheduler running at ${this.baseUrl}?`;
    return new SluiceError('SCHEDULER_UNREACHABLE', `cannot reach the scheduler at ${this.baseUrl} (${why})${tlsAdvice}`, {
      retriable: true,
      cause: error,
      context: { scheduler: this.baseUrl },
    });
  }

  private refusal(method: string, path: string, status: number, answer: unknown, text: string): SluiceError {
    const said = typeof (answer as { error?: unknown } | undefined)?.error === 'string' ? (answer as { error: string }).error : undefined;
    const context = { scheduler: this.baseUrl, status };
    if (status === 401) {
      const advice = this.access.token
        ? 'the token was refused: check --token-file, --token or SLUICE_API_TOKEN'
        : 'it needs an API token: pass --token-file or --token, or set SLUICE_API_TOKEN';
      return new SluiceError('SCHEDULER_UNAUTHORIZED', `the scheduler at ${this.baseUrl} refused ${method} ${path}: ${advice}`, {
        context,
      });
    }
    if (status === 403) {
      return new SluiceError(
        'SCHEDULER_FORBIDDEN',
        `the scheduler at ${this.baseUrl} refused ${method} ${path}: the token is the read token; this needs the write token`,
        { context },
      );
    }
    if (status === 503) {
      return new SluiceError(
        'SCHEDULER_STANDBY',
        `the scheduler at ${this.baseUrl} is a standby: send this to the leading scheduler of the job (its /health says "role": "leader")`,
        {
          retriable: true,
          context,
        },
      );
    }
    if (said !== undefined && status >= 400 && status < 500)
      return new SluiceError('SCHEDULER_REFUSED', `the scheduler refused ${method} ${path}: ${said}`, { context });
    if (said !== undefined)
      return new SluiceError('SCHEDULER_FAILED', `the scheduler at ${this.baseUrl} failed ${method} ${path} (HTTP ${status}): ${said}`, {
        context,
      });
    const sample = text.slice(0, 80).replace(/\s+/g, ' ');
    return new SluiceError(
      'SCHEDULER_NOT_SLUICE',
      `${this.baseUrl} answered ${method} ${path} with HTTP ${status} and no Sluice JSON ('${sample}'): is it a Sluice scheduler?`,
      { context },
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
