import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadJobConfig } from '../../../shared/config/job-config.js';
import {
  assertSchedulerAccepts,
  referencedVariables,
  repo,
  schedulerFlags,
  shellWords,
  variablesTheSchedulerReads,
} from './scheduler-command-line.js';

interface Service {
  image?: string;
  build?: unknown;
  entrypoint?: string[];
  command?: string | string[];
  ports?: string[];
  environment?: Record<string, unknown>;
  volumes?: string[];
  healthcheck?: { test?: string[] };
  restart?: string;
  depends_on?: string[] | Record<string, { condition?: string }>;
}

type Services = Record<string, Service>;

async function loadServices(): Promise<Services> {
  return (parse(await readFile(join(repo, 'docker-compose.yml'), 'utf8')) as { services: Services }).services;
}

function service(services: Services, name: string): Service {
  const found = services[name];
  assert.ok(found, `docker-compose.yml has a service ${name}`);
  return found;
}

/** The one shell command a `sh -c` service runs, with compose's `$$` escapes undone. */
function shellCommand(found: Service): string {
  assert.deepEqual(found.entrypoint, ['/bin/sh', '-c']);
  assert.ok(Array.isArray(found.command) && found.command.length === 1, 'one command string for sh -c');
  return String(found.command[0]).replaceAll('$$', '$');
}

/** A service's dependencies as name → condition (a plain list means "started"). */
function dependencies(found: Service): Map<string, string> {
  const given = found.depends_on ?? [];
  if (Array.isArray(given)) return new Map(given.map((name) => [name, 'service_started']));
  return new Map(Object.entries(given).map(([name, { condition }]) => [name, condition ?? 'service_started']));
}

/** No Docker engine here: the compose file is checked by parsing it and reading its structure. */
describe('docker-compose.yml', () => {
  it('has the services, each from a pinned image or built from the Dockerfile', async () => {
    const services = await loadServices();
    assert.deepEqual(Object.keys(services).sort(), [
      'kafka',
      'kafka-topics',
      'marathon',
      'mariadb',
      'mesos-agent',
      'mesos-master',
      'sluice-bundle',
      'sluice-scheduler',
      'zookeeper',
    ]);
    for (const [name, found] of Object.entries(services)) {
      if (found.build !== undefined) {
        assert.equal(found.build, '.', `${name} is built from the Dockerfile`);
        assert.equal(found.image, 'sluice:latest', `${name} tags what it builds`);
      } else {
        assert.match(found.image ?? '', /^[\w./-]+:v?\d+(\.\d+)*$/, `${name} runs a pinned image, got '${found.image}'`);
      }
    }
  });

  it('publishes ports on loopback only', async () => {
    const services = await loadServices();
    for (const [name, found] of Object.entries(services)) {
      for (const port of found.ports ?? []) assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${name} publishes ${port} on loopback only`);
    }
    assert.deepEqual(service(services, 'sluice-scheduler').ports, ['127.0.0.1:8081:8081']);
  });

  it('wires Mesos, Marathon and Kafka together through ZooKeeper and the compose network', async () => {
    const services = await loadServices();
    assert.equal(service(services, 'mesos-master').environment?.MESOS_ZK, 'zk://zookeeper:2181/mesos');
    assert.equal(service(services, 'kafka').environment?.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false');
    assert.equal(service(services, 'kafka').environment?.KAFKA_ADVERTISED_LISTENERS, 'PLAINTEXT://kafka:9092');
    const agent = service(services, 'mesos-agent').environment ?? {};
    assert.equal(agent.MESOS_MASTER, 'zk://zookeeper:2181/mesos');
    assert.equal(agent.MESOS_CONTAINERIZERS, 'mesos');
    assert.match(String(agent.MESOS_RESOURCES), /ports\(\*\):\[\d+-\d+\]/, 'the agent offers a range of ports');
    assert.match(
      String(service(services, 'marathon').command),
      /--master zk:\/\/zookeeper:2181\/mesos --zk zk:\/\/zookeeper:2181\/marathon/,
    );
  });

  it("creates the word-count example's topics before the scheduler reads them", async () => {
    const services = await loadServices();
    const command = shellCommand(service(services, 'kafka-topics'));
    const job = await loadJobConfig(join(repo, 'examples/word-count/job.yaml'));
    const topics = new Set([...job.inputs, ...job.outputs].map((stream) => stream.topic));
    const words = shellWords(command);
    const created = words.slice(words.indexOf('in') + 1, words.indexOf('do'));
    assert.deepEqual(new Set(created.map((word) => word.replace(/;$/, ''))), topics);
    assert.match(command, /--create --if-not-exists/);
  });

  it('runs the scheduler of the word-count example with its real flags and the environment it reads', async () => {
    const services = await loadServices();
    const scheduler = service(services, 'sluice-scheduler');
    const command = shellCommand(scheduler);
    const flags = schedulerFlags(command);
    assertSchedulerAccepts(flags, 'the sluice-scheduler command');
    assert.equal(flags.get('config'), 'dist/examples/word-count/job.yaml');
    const env = scheduler.environment ?? {};
    const used = referencedVariables(command);
    const read = await variablesTheSchedulerReads();
    for (const name of used) assert.ok(name in env, `$${name} of the command is in the environment`);
    for (const name of Object.keys(env)) assert.ok(used.has(name) || read.has(name), `${name} is read by the command or the scheduler`);
    assert.equal(env.PORT0, '8081', 'the API listens on the published port');
    assert.equal(env.SLUICE_ZOOKEEPER, 'zookeeper:2181');
    assert.equal(env.SLUICE_MESOS_MASTER, service(services, 'mesos-agent').environment?.MESOS_MASTER);
    assert.equal(env.SLUICE_KAFKA_BROKERS, 'kafka:9092');
    assert.equal(scheduler.restart, 'unless-stopped', 'Docker restarts it, as Marathon would');
  });

  it('gives the agent the executor bundle the scheduler names, copied out of the image', async () => {
    const services = await loadServices();
    const bundleUri = String(service(services, 'sluice-scheduler').environment?.SLUICE_BUNDLE_URI);
    const agentMount = (service(services, 'mesos-agent').volumes ?? []).map((volume) => volume.split(':'));
    assert.deepEqual(agentMount, [['sluice-bundle', dirname(bundleUri), 'ro']]);
    const copier = service(services, 'sluice-bundle');
    assert.deepEqual(copier.volumes, ['sluice-bundle:/shared']);
    assert.deepEqual(copier.entrypoint, ['cp', bundleUri, '/shared/'], 'the bundle lies at the same path in the image');
  });

  it('has health checks, and starts each service after what it needs', async () => {
    const services = await loadServices();
    for (const name of ['zookeeper', 'kafka', 'mariadb', 'sluice-scheduler'])
      assert.ok(service(services, name).healthcheck?.test?.length, `${name} has a health check`);
    assert.match(service(services, 'sluice-scheduler').healthcheck?.test?.join(' ') ?? '', /127\.0\.0\.1:8081\/health/);
    for (const [name, found] of Object.entries(services)) {
      for (const [dependency, condition] of dependencies(found)) {
        const target = service(services, dependency);
        if (condition === 'service_healthy')
          assert.ok(target.healthcheck, `${name} waits for ${dependency} to be healthy, which has a health check`);
        else if (condition === 'service_completed_successfully')
          assert.ok(target.restart === undefined, `${name} waits for ${dependency} to finish, which runs once`);
        else assert.equal(condition, 'service_started', `${name} → ${dependency}: a known condition`);
      }
    }
    assert.deepEqual(Object.fromEntries(dependencies(service(services, 'sluice-scheduler'))), {
      zookeeper: 'service_healthy',
      kafka: 'service_healthy',
      'kafka-topics': 'service_completed_successfully',
      'sluice-bundle': 'service_completed_successfully',
      'mesos-master': 'service_started',
    });
    assert.equal(dependencies(service(services, 'kafka-topics')).get('kafka'), 'service_healthy');
  });
});
