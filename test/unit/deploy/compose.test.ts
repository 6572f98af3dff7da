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
  secrets?: string[];
  profiles?: string[];
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
      'sluice-scheduler-cart',
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

  it("creates the examples' topics (word count, MySQL cart) before a scheduler reads them", async () => {
    const services = await loadServices();
    const command = shellCommand(service(services, 'kafka-topics'));
    const topics = new Set<string>();
    for (const file of ['examples/word-count/job.yaml', 'examples/shopping-cart/job-mysql-compose.yaml']) {
      const job = await loadJobConfig(join(repo, file));
      for (const stream of [...job.inputs, ...job.outputs]) topics.add(stream.topic);
    }
    const words = shellWords(command);
    const created = words.slice(words.indexOf('in') + 1, words.indexOf('do'));
    assert.deepEqual(new Set(created.map((word) => word.replace(/;$/, ''))), topics);
    assert.match(command, /--create --if-not-exists/);
  });

  for (const [name, config, port] of [
    ['sluice-scheduler', 'dist/examples/word-count/job.yaml', '8081'],
    ['sluice-scheduler-cart', 'dist/examples/shopping-cart/job-mysql-compose.yaml', '8082'],
  ] as const) {
    it(`runs ${name} (${config}) with its real flags and the environment it reads`, async () => {
      const services = await loadServices();
      const scheduler = service(services, name);
      const command = shellCommand(scheduler);
      const flags = schedulerFlags(command);
      assertSchedulerAccepts(flags, `the ${name} command`);
      assert.equal(flags.get('config'), config);
      const env = scheduler.environment ?? {};
      const used = referencedVariables(command);
      const read = await variablesTheSchedulerReads();
      for (const variable of used) assert.ok(variable in env, `$${variable} of the command is in the environment`);
      for (const variable of Object.keys(env))
        assert.ok(used.has(variable) || read.has(variable), `${variable} is read by the command or the scheduler`);
      assert.equal(env.PORT0, port, 'the API listens on the published port');
      assert.deepEqual(scheduler.ports, [`127.0.0.1:${port}:${port}`]);
      assert.match(scheduler.healthcheck?.test?.join(' ') ?? '', new RegExp(`127\\.0\\.0\\.1:${port}/health`));
      assert.equal(env.SLUICE_ZOOKEEPER, 'zookeeper:2181');
      assert.equal(env.SLUICE_MESOS_MASTER, service(services, 'mesos-agent').environment?.MESOS_MASTER);
      assert.equal(env.SLUICE_KAFKA_BROKERS, 'kafka:9092');
      assert.equal(scheduler.restart, 'unless-stopped', 'Docker restarts it, as Marathon would');
    });
  }

  it('runs the MySQL cart only with --profile mysql, against the mariadb service, with the password as a secret where its executors run', async () => {
    const services = await loadServices();
    const cart = service(services, 'sluice-scheduler-cart');
    assert.deepEqual(cart.profiles, ['mysql']);
    const job = await loadJobConfig(join(repo, 'examples/shopping-cart/job-mysql-compose.yaml'));
    assert.equal(job.mysql?.host, 'mariadb', 'the database is the compose service');
    assert.equal(job.mysql?.passwordFile, '/run/secrets/mysql-password', 'the password is the compose secret');
    for (const name of ['sluice-scheduler-cart', 'mesos-agent'])
      assert.deepEqual(service(services, name).secrets, ['mysql-password'], `${name} has the password secret (executors run in the agent)`);
    assert.equal(service(services, 'mariadb').environment?.MARIADB_PASSWORD_FILE, '/run/secrets/mysql-password');
    assert.equal(dependencies(cart).get('mariadb'), 'service_healthy');
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
