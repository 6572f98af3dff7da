import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { encodeRecordIo, jsonCodec, type FrameworkInfo, type SchedulerEvent } from '../../../../shared/mesos/index.js';
import { setLogLevel } from '../../../../shared/log.js';
import { leadingMasterNode, masterUrlOf, parseMasterAddress } from '../../../../scheduler/framework/master-address.js';
import { leaderUrlOf, MesosClient } from '../../../../scheduler/framework/mesos-client.js';
import { startCluster } from '../../mini-mesos/helpers/cluster.js';
import { TestScheduler } from '../../mini-mesos/helpers/scheduler-client.js';

setLogLevel('error');

/** Resolves with the first emitted value that satisfies `predicate`, or rejects after `ms`. */
function waitFor<T>(register: (listener: (value: T) => void) => () => void, predicate: (value: T) => boolean, ms = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      unregister();
      reject(new Error(`nothing matching within ${ms} ms`));
    }, ms);
    const unregister = register((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      unregister();
      resolve(value);
    });
  });
}

function onEvent(client: MesosClient): (listener: (event: SchedulerEvent) => void) => () => void {
  return (listener) => {
    client.on('event', listener);
    return () => client.off('event', listener);
  };
}

function onSubscribed(client: MesosClient): (listener: (id: string) => void) => () => void {
  return (listener) => {
    const wrapped = (subscribed: { framework_id: { value: string } }): void => listener(subscribed.framework_id.value);
    client.on('subscribed', wrapped);
    return () => client.off('subscribed', wrapped);
  };
}

/** A fake master: every SUBSCRIBE gets SUBSCRIBED with a tiny heartbeat interval, then silence. */
async function silentMaster(t: TestContext, handle?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean) {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    if (handle?.(req, res) === true) return;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': `stream-${seen.length}` });
    const subscribed: SchedulerEvent = {
      type: 'SUBSCRIBED',
      subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 0.05 },
    };
    res.write(encodeRecordIo(jsonCodec.schedulerEvent.encode(subscribed)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve()) && server.closeAllConnections()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('master address', () => {
  it('parses http and zk masters and refuses anything else', () => {
    assert.deepEqual(parseMasterAddress('http://m1:5050/'), { kind: 'http', url: 'http://m1:5050' });
    assert.deepEqual(parseMasterAddress('zk://z1:2181,z2:2181/mesos'), { kind: 'zk', connect: 'z1:2181,z2:2181', path: '/mesos' });
    assert.throws(() => parseMasterAddress('m1:5050'), { code: 'SCHEDULER_BAD_MASTER' });
  });

  it('picks the smallest json.info_ sequence and reads its address', () => {
    assert.equal(
      leadingMasterNode(['log_replicas', 'json.info_0000000012', 'json.info_0000000003', 'info_0000000001']),
      'json.info_0000000003',
    );
    assert.equal(leadingMasterNode(['log_replicas']), undefined);
    assert.equal(
      masterUrlOf({ id: 'm', ip: 0, port: 5050, hostname: 'old', address: { hostname: 'm2', ip: '10.0.0.2', port: 5051 } }),
      'http://m2:5051',
    );
    assert.equal(masterUrlOf({ id: 'm', ip: 0, port: 5050, hostname: 'm3' }), 'http://m3:5050');
  });

  it('follows a protocol-relative Location', () => {
    assert.equal(leaderUrlOf('//10.0.0.9:5050/api/v1/scheduler', 'http://10.0.0.1:5050'), 'http://10.0.0.9:5050');
    assert.throws(() => leaderUrlOf(null, 'http://m:5050'), { code: 'SCHEDULER_STREAM_FAILED' });
  });
});

describe('the Mesos scheduler client', { timeout: 60_000 }, () => {
  it('subscribes, receives offers, makes calls, and re-subscribes as the same framework after a master failover', async (t) => {
    const mesos = await startCluster(t, { agents: 1 });
    let info: FrameworkInfo = { user: 'sluice', name: 'client-test', failover_timeout: 60 };
    const client = new MesosClient({ master: mesos.masterUrl, frameworkInfo: () => info, backoff: { initialMs: 50, maxMs: 200 } });
    const firstId = waitFor(onSubscribed(client), () => true);
    const offers = waitFor(onEvent(client), (event) => event.type === 'OFFERS');
    client.start();
    t.after(() => client.stop());
    const frameworkId = await firstId;
    info = { ...info, id: { value: frameworkId } };
    const offer = (await offers).offers?.offers?.[0];
    assert.ok(offer !== undefined);
    await client.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 1 } } });

    const again = waitFor(onSubscribed(client), () => true, 20_000);
    await mesos.restartMaster({ downtimeMs: 300 });
    assert.equal(await again, frameworkId, 'the same framework after the failover');
    await client.call({ type: 'REVIVE', revive: {} });
  });

  it('stops at once when told to on an ERROR that the master follows by closing the stream', async (t) => {
    const mesos = await startCluster(t, { agents: 0 });
    const known: { id?: string } = {};
    const client = new MesosClient({
      master: mesos.masterUrl,
      frameworkInfo: () => ({
        user: 'sluice',
        name: 'client-test',
        failover_timeout: 60,
        ...(known.id === undefined ? {} : { id: { value: known.id } }),
      }),
      backoff: { initialMs: 50, maxMs: 200 },
    });
    const subscribed = waitFor(onSubscribed(client), () => true);
    client.start();
    t.after(() => client.stop());
    const id = await subscribed;
    known.id = id;
    const stopped = new Promise<string>((resolve) => {
      client.on('event', (event) => {
        if (event.type === 'ERROR') void client.stop().then(() => resolve(event.error?.message ?? ''));
      });
    });
    const intruder = await TestScheduler.subscribe(mesos.masterUrl, {
      user: 'sluice',
      name: 'intruder',
      id: { value: id },
      failover_timeout: 60,
    });
    t.after(() => intruder.close());
    assert.equal(await stopped, 'Framework failed over');
    assert.equal(client.subscribed, false);
  });

  it('refuses calls while not subscribed, and maps error answers to MesosErrors', async (t) => {
    const mesos = await startCluster(t, { agents: 0 });
    const client = new MesosClient({ master: mesos.masterUrl, frameworkInfo: () => ({ user: 'sluice', name: 'client-test' }) });
    await assert.rejects(client.call({ type: 'REVIVE', revive: {} }), { code: 'SCHEDULER_NOT_SUBSCRIBED' });
    const subscribed = waitFor(onSubscribed(client), () => true);
    client.start();
    t.after(() => client.stop());
    await subscribed;
    await assert.rejects(client.call({ type: 'KILL' }), { code: 'MESOS_BAD_REQUEST', message: /Expecting 'kill'/ });
  });

  it('never subscribes again after a TEARDOWN, and keeps its subscription when the TEARDOWN fails', async (t) => {
    let refuseTeardown = true;
    let stream: http.ServerResponse | undefined;
    const master = await silentMaster(t, (req, res) => {
      if (req.headers['mesos-stream-id'] === undefined) {
        // SUBSCRIBE: SUBSCRIBED, then heartbeats until the TEARDOWN ends the stream.
        res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'stream' });
        res.write(
          encodeRecordIo(
            jsonCodec.schedulerEvent.encode({
              type: 'SUBSCRIBED',
              subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 0.05 },
            }),
          ),
        );
        const beat = setInterval(() => res.write(encodeRecordIo(jsonCodec.schedulerEvent.encode({ type: 'HEARTBEAT' }))), 50);
        res.once('close', () => clearInterval(beat));
        stream = res;
        return true;
      }
      // A call on the stream: the TEARDOWN the test sends, refused once; accepted, it ends the stream first (as a master may).
      if (!refuseTeardown) stream?.end();
      res.writeHead(refuseTeardown ? 503 : 202).end();
      refuseTeardown = false;
      return true;
    });
    const client = new MesosClient({
      master: master.url,
      frameworkInfo: () => ({ user: 'sluice', name: 'client-test' }),
      backoff: { initialMs: 10, maxMs: 50 },
    });
    const subscribed = waitFor(onSubscribed(client), () => true);
    client.start();
    t.after(() => client.stop());
    await subscribed;
    await assert.rejects(client.call({ type: 'TEARDOWN' }), { code: 'MESOS_UNAVAILABLE' });
    assert.equal(client.subscribed, true, 'a failed TEARDOWN leaves the framework subscribed');
    // ...and still re-subscribing: the master ends the stream, the client subscribes again.
    const again = waitFor(onSubscribed(client), () => true);
    stream?.end();
    await again;

    const subscribes = (): number => master.seen.filter((headers) => headers['mesos-stream-id'] === undefined).length;
    assert.equal(subscribes(), 2);
    await client.call({ type: 'TEARDOWN' });
    // The stream has ended: a client that went on would subscribe again within its 10–50 ms backoff.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(subscribes(), 2, 'no SUBSCRIBE after the TEARDOWN');
    assert.equal(client.subscribed, false);
  });

  it('follows 307 to the leader, sends basic auth, and re-subscribes after missed heartbeats', async (t) => {
    const leader = await silentMaster(t);
    const follower = await silentMaster(t, (_req, res) => {
      res.writeHead(307, { Location: `${leader.url.replace('http:', '')}/api/v1/scheduler` });
      res.end();
      return true;
    });
    const client = new MesosClient({
      master: follower.url,
      frameworkInfo: () => ({ user: 'sluice', name: 'client-test' }),
      credential: { principal: 'sluice', secret: 's3cret' },
      backoff: { initialMs: 10, maxMs: 50 },
    });
    const disconnected = new Promise<string>((resolve) => client.once('disconnected', resolve));
    client.start();
    t.after(() => client.stop());
    assert.equal(await disconnected, 'stream ended', 'the silent stream was given up on');
    const deadline = Date.now() + 5_000;
    while (leader.seen.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(leader.seen.length >= 2, 'subscribed again after 5 missed heartbeats');
    assert.ok(follower.seen.length >= 2, 'asked the configured master again first');
    assert.equal(leader.seen[0]?.authorization, `Basic ${Buffer.from('sluice:s3cret').toString('base64')}`);
  });
});
