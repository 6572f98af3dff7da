import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appProblems } from '../../../bin/cli/marathon-app.js';
import { assertSchedulerAccepts, referencedVariables, repo, schedulerFlags, variablesTheSchedulerReads } from './scheduler-command-line.js';

interface HealthCheck {
  protocol?: string;
  portIndex?: number;
  path?: string;
  gracePeriodSeconds?: number;
  intervalSeconds?: number;
  maxConsecutiveFailures?: number;
}

interface App {
  id: string;
  instances: number;
  cpus: number;
  mem: number;
  cmd: string;
  env: Record<string, string>;
  container?: { type?: string; docker?: { image?: string } };
  portDefinitions?: { name?: string }[];
  healthChecks?: HealthCheck[];
  upgradeStrategy?: { minimumHealthCapacity?: number; maximumOverCapacity?: number };
  labels?: Record<string, string>;
}

/** Marathon sets these for every task; the app need not define them. */
const SET_BY_MARATHON = new Set(['PORT0', 'HOST', 'MESOS_SANDBOX']);
/** Where the Dockerfile puts the image's files (its WORKDIR). */
const IMAGE_ROOT = '/app/';

async function loadApp(): Promise<App> {
  return JSON.parse(await readFile(join(repo, 'deploy/marathon/word-count.json'), 'utf8')) as App;
}

/** No Marathon here: the app definition is checked by reading it against what Sluice and Marathon expect. */
describe('deploy/marathon/word-count.json', () => {
  it('is a singleton that Marathon stops before it starts the next one, with resources and labels', async () => {
    const app = await loadApp();
    assert.deepEqual(appProblems(app), [], '`sluice submit` accepts it');
    assert.equal(app.id, '/sluice/word-count');
    assert.equal(app.instances, 1);
    assert.deepEqual(app.upgradeStrategy, { minimumHealthCapacity: 0, maximumOverCapacity: 0 });
    assert.ok(app.cpus > 0 && app.mem >= 256, `cpus ${app.cpus}, mem ${app.mem}`);
    assert.equal(app.labels?.['sluice.job'], 'word-count');
  });

  it('runs the sluice image on the Mesos containerizer, with one port named http', async () => {
    const app = await loadApp();
    assert.equal(app.container?.type, 'MESOS');
    assert.equal(app.container?.docker?.image, 'sluice:latest');
    assert.deepEqual(
      app.portDefinitions?.map((port) => port.name),
      ['http'],
    );
  });

  it('checks health over MESOS_HTTP on the first port at /health, with a grace period', async () => {
    const [check, ...others] = (await loadApp()).healthChecks ?? [];
    assert.equal(others.length, 0);
    assert.equal(check?.protocol, 'MESOS_HTTP');
    assert.equal(check?.portIndex, 0);
    assert.equal(check?.path, '/health');
    for (const field of ['gracePeriodSeconds', 'intervalSeconds', 'maxConsecutiveFailures'] as const) {
      assert.ok(Number.isInteger(check?.[field]) && (check?.[field] ?? 0) > 0, `${field} is a whole number > 0`);
    }
  });

  it('starts `sluice scheduler` with its real flags, listening on $PORT0', async () => {
    const app = await loadApp();
    const flags = schedulerFlags(app.cmd);
    assertSchedulerAccepts(flags, 'the cmd');
    assert.equal(flags.get('port'), '$PORT0');
    // The task's working directory is its sandbox: the config inside the image needs its absolute
    // path, and the executors find theirs inside the bundle extracted into their own sandbox.
    const config = flags.get('config') ?? '';
    assert.ok(config.startsWith(IMAGE_ROOT), `--config ${config} is a path in the image`);
    assert.equal(flags.get('executor-config'), config.slice(IMAGE_ROOT.length));
    assert.ok(
      existsSync(join(repo, config.slice(IMAGE_ROOT.length).replace(/^dist\//, ''))),
      `${config} is a job config of the repository copied into the image`,
    );
  });

  it('sets exactly the environment the cmd and the scheduler read: ZooKeeper, Mesos, Kafka and the bundle', async () => {
    const app = await loadApp();
    const used = referencedVariables(app.cmd);
    const read = await variablesTheSchedulerReads();
    for (const name of used) assert.ok(name in app.env || SET_BY_MARATHON.has(name), `$${name} of the cmd is set by env or by Marathon`);
    for (const name of Object.keys(app.env)) assert.ok(used.has(name) || read.has(name), `env ${name} is read by the cmd or the scheduler`);
    const flags = schedulerFlags(app.cmd);
    assert.equal(flags.get('zk'), '$SLUICE_ZOOKEEPER');
    assert.equal(flags.get('master'), '$SLUICE_MESOS_MASTER');
    assert.equal(flags.get('kafka'), '$SLUICE_KAFKA_BROKERS');
    assert.equal(flags.get('bundle-uri'), '$SLUICE_BUNDLE_URI');
    assert.match(app.env.SLUICE_MESOS_MASTER ?? '', /^(zk|http):\/\//);
  });
});
