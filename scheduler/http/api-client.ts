/**
 * A client of the scheduler API (what `sluice status | rescale | kill` use). Every failure is a
 * SluiceError whose message says what to do: start the scheduler, pass the token, ask the leader.
 */
import { describeError, SluiceError } from '../../shared/errors.js';
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

export class SchedulerApiClient {
  /** `baseUrl`: http(s)://host:port of a scheduler, without the API path. */
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
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
    if (this.token !== undefined && this.token !== '') headers.Authorization = `Bearer ${this.token}`;
    const timeoutMs = method === 'GET' ? READ_TIMEOUT_MS : method === 'DELETE' ? REMOVE_TIMEOUT_MS : MUTATION_TIMEOUT_MS;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw this.unreachable(error, timeoutMs);
    }
    const text = await response.text();
    const answer = parseJson(text);
    if (response.ok && answer !== undefined) return answer as T;
    throw this.refusal(method, path, response.status, answer, text);
  }

  private unreachable(error: unknown, timeoutMs: number): SluiceError {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    const why =
      error instanceof DOMException && error.name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : code === 'ECONNREFUSED'
          ? 'connection refused'
          : (code ?? describeError(cause ?? error));
    return new SluiceError(
      'SCHEDULER_UNREACHABLE',
      `cannot reach the scheduler at ${this.baseUrl} (${why}): is the scheduler running at ${this.baseUrl}?`,
      {
        retriable: true,
        cause: error,
        context: { scheduler: this.baseUrl },
      },
    );
  }

  private refusal(method: string, path: string, status: number, answer: unknown, text: string): SluiceError {
    const said = typeof (answer as { error?: unknown } | undefined)?.error === 'string' ? (answer as { error: string }).error : undefined;
    const context = { scheduler: this.baseUrl, status };
    if (status === 401) {
      const advice = this.token
        ? 'the token was refused: check --token or SLUICE_API_TOKEN'
        : 'it needs the API token: pass --token or set SLUICE_API_TOKEN';
      return new SluiceError('SCHEDULER_UNAUTHORIZED', `the scheduler at ${this.baseUrl} refused ${method} ${path}: ${advice}`, {
        context,
      });
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
