/**
 * A container's own HTTP endpoint: `GET /status` (ContainerStatusReport: tasks, states, lag,
 * restore progress, processed count) and `GET /metrics` (the process's prom-client registry, for
 * Prometheus). Its URL goes into the container's ZooKeeper registration, where the scheduler finds it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContainerStatusReport } from '../../shared/config/executor-contract.js';
import { collectProcessMetrics, registry } from '../../shared/metrics.js';

export interface StatusServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startStatusServer(report: () => ContainerStatusReport, listen: { readonly host: string; readonly port: number }): Promise<StatusServer> {
  collectProcessMetrics();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return reply(405, 'application/json', JSON.stringify({ error: `${req.method} is not allowed` }));
    if (path === '/status') return reply(200, 'application/json', JSON.stringify(report()));
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => reply(200, registry.contentType, text),
        (error: unknown) => reply(500, 'text/plain', String(error)),
      );
      return;
    }
    reply(404, 'application/json', JSON.stringify({ error: `no such path: ${path}`, paths: ['/status', '/metrics'] }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listen.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
