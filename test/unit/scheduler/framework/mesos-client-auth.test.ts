import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FrameworkInfo } from '../../../../shared/mesos/index.js';
import { setLogLevel } from '../../../../shared/log.js';
import { MesosClient, type MesosClientOptions } from '../../../../scheduler/framework/mesos-client.js';
import type { SchedulerError } from '../../../../scheduler/framework/errors.js';
import { startCluster } from '../../mini-mesos/helpers/cluster.js';

setLogLevel('error');

const SECRET = 'framework-secret-1';

function info(principal: string, role = 'sluice'): FrameworkInfo {
  return { user: 'sluice', name: 'auth-test', principal, roles: [role], capabilities: [{ type: 'MULTI_ROLE' }] };
}

function startClient(t: TestContext, options: Omit<MesosClientOptions, 'backoff'>): MesosClient {
  const client = new MesosClient({ ...options, backoff: { initialMs: 10, maxMs: 50 } }).start();
  t.after(() => client.stop());
  return client;
}

function nextRefusal(client: MesosClient): Promise<SchedulerError> {
  return new Promise((resolve) => client.once('refused', resolve));
}

describe('the Mesos client on a master with framework authentication', () => {
  const auth = {
    credentials: [
      { principal: 'sluice', secret: SECRET },
      { principal: 'reporting', secret: 'reporting-secret' },
    ],
    authenticateHttpFrameworks: true,
    acls: { permissive: false, register_frameworks: [{ principals: { values: ['sluice'] }, roles: { values: ['sluice'] } }] },
  };

  it('authenticates SUBSCRIBE and every later call with basic auth', async (t) => {
    const mesos = await startCluster(t, auth);
    const client = startClient(t, {
      master: mesos.masterUrl,
      frameworkInfo: () => info('sluice'),
      credential: { principal: 'sluice', secret: SECRET },
    });
    await new Promise((resolve) => client.once('subscribed', resolve));
    // Each call is checked by the master (401 without credentials): these pass only with them.
    await client.call({ type: 'SUPPRESS', suppress: { roles: ['sluice'] } });
    await client.call({ type: 'REVIVE', revive: { roles: ['sluice'] } });
    assert.equal(mesos.state().frameworks[0]?.connected, true);
  });

  it('says what to fix, without the secret, for a wrong secret, no credentials, and a role the principal may not use', async (t) => {
    const mesos = await startCluster(t, auth);
    const wrong = startClient(t, {
      master: mesos.masterUrl,
      frameworkInfo: () => info('sluice'),
      credential: { principal: 'sluice', secret: 'not-the-secret' },
    });
    const refused = await nextRefusal(wrong);
    assert.equal(refused.code, 'SCHEDULER_MESOS_REFUSED');
    assert.match(
      refused.message,
      /refused the credentials of principal 'sluice' \(401, WWW-Authenticate: Basic realm="mesos-master-scheduler"\)/,
    );
    assert.match(refused.message, /--secret-file must be that principal's in the master's --credentials/);
    assert.ok(!refused.message.includes('not-the-secret'), 'the secret is not in the error');
    assert.ok(!JSON.stringify(refused.context).includes('not-the-secret'));
    await nextRefusal(wrong); // it keeps asking, with backoff, in case the master's side is fixed
    await wrong.stop();

    const anonymous = startClient(t, { master: mesos.masterUrl, frameworkInfo: () => info('sluice') });
    assert.match(
      (await nextRefusal(anonymous)).message,
      /requires framework authentication .*: start the scheduler with --principal and --secret-file/,
    );
    await anonymous.stop();

    const otherRole = startClient(t, {
      master: mesos.masterUrl,
      frameworkInfo: () => info('reporting'),
      credential: { principal: 'reporting', secret: 'reporting-secret' },
    });
    const notAllowed = await nextRefusal(otherRole);
    assert.match(
      notAllowed.message,
      /does not allow principal 'reporting' the role sluice \("Not authorized to register framework {2}with roles \{ sluice \}"\)/,
    );
    assert.match(notAllowed.message, /allow it in the master's ACLs \(register_frameworks\)/);
    assert.equal(otherRole.subscribed, false);
    assert.equal(mesos.state().frameworks.length, 0);
  });
});
