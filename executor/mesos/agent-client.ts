import { describeError, SluiceError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { jsonCodec, readRecordIo, type ExecutorCall, type ExecutorEvent } from '../../shared/mesos/index.js';
import type { ExecutorEnvironment } from './executor-environment.js';

type CallBody = Omit<ExecutorCall, 'executor_id' | 'framework_id'>;

/**
 * The executor's connection to its agent (v1 Executor HTTP API, JSON): a SUBSCRIBE stream of
 * events, and calls on separate requests. When the stream breaks and the agent checkpoints, it
 * resubscribes with backoff (capped at MESOS_SUBSCRIPTION_BACKOFF_MAX) until the recovery
 * timeout, handing back what the agent has not acknowledged; otherwise the agent is gone for good.
 * Every request carries the agent's token (MESOS_EXECUTOR_AUTHENTICATION_TOKEN) when there is
 * one; an agent that refuses it (401, or 403 to a SUBSCRIBE) will not change its mind, so that
 * ends the executor at once with what is wrong, never with the token.
 */
export class AgentClient {
  private closed = false;
  /** Ends the open SUBSCRIBE request on close(). */
  private readonly stream = new AbortController();

  constructor(
    private readonly env: ExecutorEnvironment,
    private readonly logger: Logger,
  ) {}

  /** Runs until `close()` or until the agent is gone; `onEvent` is awaited per event, in order. */
  async run(subscribeBody: () => CallBody['subscribe'], onEvent: (event: ExecutorEvent) => Promise<void>): Promise<void> {
    let disconnectedAt: number | undefined;
    let backoffMs = 100;
    while (!this.closed) {
      try {
        const response = await this.post({ type: 'SUBSCRIBE', subscribe: subscribeBody() }, this.stream.signal);
        if (response.status === 401 || response.status === 403) throw await this.refusal(response, 'SUBSCRIBE');
        if (response.status !== 200 || !response.body) {
          throw new SluiceError(
            'EXECUTOR_SUBSCRIBE_FAILED',
            `the agent answered SUBSCRIBE with ${response.status}: ${await response.text()}`,
          );
        }
        if (disconnectedAt !== undefined) this.logger.info('resubscribed to the agent', { afterMs: Date.now() - disconnectedAt });
        disconnectedAt = undefined;
        backoffMs = 100;
        for await (const record of readRecordIo(response.body as AsyncIterable<Uint8Array>)) {
          await onEvent(jsonCodec.executorEvent.decode(record));
          if (this.closed) return;
        }
        throw new SluiceError('EXECUTOR_STREAM_ENDED', 'the agent closed the event stream');
      } catch (error) {
        if (this.closed) return;
        if (error instanceof SluiceError && error.code === 'EXECUTOR_NOT_AUTHENTICATED') throw error;
        disconnectedAt ??= Date.now();
        const down = Date.now() - disconnectedAt;
        if (!this.env.checkpoint || down > this.env.recoveryTimeoutMs) {
          throw new SluiceError('EXECUTOR_AGENT_GONE', `lost the agent: ${describeError(error)}`, { cause: error });
        }
        if (down === 0) this.logger.warn('lost the agent; resubscribing', { error: describeError(error) });
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, this.env.subscriptionBackoffMaxMs);
      }
    }
  }

  /** Sends a call; the agent answers 202 when it accepted it. */
  async call(body: CallBody): Promise<void> {
    const response = await this.post(body);
    if (response.status === 401) throw await this.refusal(response, body.type ?? 'UNKNOWN');
    if (response.status !== 202) {
      throw new SluiceError('EXECUTOR_CALL_FAILED', `the agent answered ${body.type} with ${response.status}: ${await response.text()}`, {
        retriable: response.status >= 500,
      });
    }
  }

  close(): void {
    this.closed = true;
    this.stream.abort();
  }

  /** What a 401 or 403 means for this executor; the token itself is never part of it. */
  private async refusal(response: Response, call: string): Promise<SluiceError> {
    const reason = await response.text();
    const challenge = response.headers.get('WWW-Authenticate');
    const answer = `${response.status}${challenge === null ? '' : `, WWW-Authenticate: ${challenge}`}${reason === '' ? '' : `: ${reason}`}`;
    const message =
      response.status === 403
        ? `the agent refused ${call}: MESOS_EXECUTOR_AUTHENTICATION_TOKEN is not this executor's (${answer})`
        : this.env.authToken === undefined
          ? `the agent requires executor authentication (${answer}) but MESOS_EXECUTOR_AUTHENTICATION_TOKEN is not set: ` +
            'it is set by an agent started with an executor secret key'
          : `the agent refused this executor's MESOS_EXECUTOR_AUTHENTICATION_TOKEN on ${call} (${answer})`;
    return new SluiceError('EXECUTOR_NOT_AUTHENTICATED', message, {
      retriable: false,
      context: { executor: this.env.executorId, status: response.status },
    });
  }

  private post(body: CallBody, signal?: AbortSignal): Promise<Response> {
    return fetch(this.env.agentUrl, {
      method: 'POST',
      ...(signal ? { signal } : {}),
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        ...(this.env.authToken ? { Authorization: `Bearer ${this.env.authToken}` } : {}),
      },
      body: jsonCodec.executorCall.encode({
        executor_id: { value: this.env.executorId },
        framework_id: { value: this.env.frameworkId },
        ...body,
      }),
    });
  }
}
