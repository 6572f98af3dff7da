/**
 * One open event stream: the 200 answer to a SUBSCRIBE, kept open, carrying RecordIO-framed
 * events (`<length>\n<bytes>`) in the format the subscriber's Accept header chose. Mesos uses
 * chunked transfer encoding with Content-Type set to that format (master/http.cpp `scheduler`,
 * slave/http.cpp `executor`), and heartbeats on scheduler streams keep proxies and clients alive.
 */
import type http from 'node:http';
import { encodeRecordIo, type MessageCodec } from '../../../shared/mesos/index.js';

export class EventStream<E> {
  private closedFlag = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    private readonly res: http.ServerResponse,
    private readonly codec: MessageCodec<E>,
    contentType: string,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(200, { 'Content-Type': contentType, ...headers });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.on('close', () => this.markClosed());
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Writes one event; false once the stream is gone (the caller treats it as a disconnection). */
  send(event: E): boolean {
    if (this.closedFlag) return false;
    this.res.write(encodeRecordIo(this.codec.encode(event)));
    return true;
  }

  /** Sends `event` every `intervalMs` until the stream closes. */
  startHeartbeat(intervalMs: number, event: E): void {
    this.heartbeat = setInterval(() => this.send(event), intervalMs);
    this.heartbeat.unref();
  }

  /** Called once, when the peer goes away or `close` is called. */
  onClose(listener: () => void): void {
    if (this.closedFlag) listener();
    else this.closeListeners.push(listener);
  }

  /** Ends the response: the subscriber sees a clean end of its stream. */
  close(): void {
    if (this.closedFlag) return;
    this.res.end();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
