/**
 * The scheduler's HTTP API: `GET /health` (200 while the process is healthy, leader or standby,
 * named in the body), `GET /api/v1/job` (the job's state as JSON) and `GET /metrics` (the
 * process's prom-client registry). Marathon's health check and the dashboard read these.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectProcessMetrics, registry } from '../../shared/metrics.js';
import type { SchedulerService } from '../scheduler-service.js';

export interface SchedulerHttpOptions {
  readonly port: number;
  readonly host?: string;
}

export interface SchedulerHttp {
  readonly url: string;
  close(): Promise<void>;
}

export function jobState(job: string, service: SchedulerService): Record<string, unknown> {
  const status = service.framework?.status();
  return {
    job,
    leader: service.role === 'leader',
    frameworkId: status?.frameworkId ?? null,
    subscribed: status?.subscribed ?? false,
    jobModelVersion: status?.jobModelVersion ?? null,
    containers: status?.containers ?? [],
    errors: status?.errors ?? [],
  };
}

export async function startSchedulerHttp(job: string, service: SchedulerService, options: SchedulerHttpOptions): Promise<SchedulerHttp> {
  collectProcessMetrics();
  const server = http.createServer((req, res) => {
    void respond(req.method ?? 'GET', (req.url ?? '/').split('?')[0] ?? '/').then(
      ({ status, type, body }) => {
        res.writeHead(status, { 'Content-Type': type });
        res.end(body);
      },
      (error: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(error));
      },
    );
  });

  async function respond(method: string, path: string): Promise<{ status: number; type: string; body: string }> {
    const json = (status: number, value: unknown) => ({ status, type: 'application/json', body: JSON.stringify(value) });
    if (method !== 'GET') return json(405, { error: `${method} is not allowed` });
    if (path === '/health') return json(service.session.state === 'closed' ? 503 : 200, { status: 'ok', role: service.role, zookeeper: service.session.state });
    if (path === '/api/v1/job') return json(200, jobState(job, service));
    if (path === '/metrics') return { status: 200, type: registry.contentType, body: await registry.metrics() };
    return json(404, { error: `no such path: ${path}`, paths: ['/health', '/api/v1/job', '/metrics'] });
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
