import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

interface Service {
  image?: string;
  ports?: string[];
  environment?: Record<string, unknown>;
  depends_on?: unknown;
}

/** No Docker engine here: the compose file is checked by parsing it and reading its structure. */
describe('docker-compose.yml', () => {
  it('parses, and wires the services to each other through ZooKeeper', async () => {
    const compose = parse(await readFile(new URL('../../../docker-compose.yml', import.meta.url), 'utf8')) as { services: Record<string, Service> };
    const services = compose.services;
    assert.deepEqual(Object.keys(services).sort(), ['kafka', 'marathon', 'mesos-agent', 'mesos-master', 'zookeeper']);
    for (const [name, service] of Object.entries(services)) {
      assert.ok(service.image, `${name} has an image`);
      for (const port of service.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port} on loopback only`);
    }
    assert.equal(services['mesos-master']?.environment?.MESOS_ZK, 'zk://zookeeper:2181/mesos');
    assert.equal(services['mesos-agent']?.environment?.MESOS_MASTER, 'zk://zookeeper:2181/mesos');
    assert.equal(services.kafka?.environment?.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false');
  });
});
