/**
 * executor/systems/kafka/fencing-member.ts on the real broker: a container stopped while its
 * fencing member is still joining (it joins in the background) leaves no member in the job's group.
 * Before the fix the join went on after the leave, and its consumer stayed in the group,
 * heartbeating, keeping the stopped container's process alive (found by the MySQL cart test: a
 * SIGTERM 11 ms after "container started" left a process that never exited).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FencingMember } from '../../../executor/systems/kafka/fencing-member.js';
import { GroupMembership } from '../../../executor/systems/kafka/group-membership.js';
import { createLogger, setLogLevel } from '../../../shared/log.js';
import { createTopics, testKafka, uniqueName, uniqueTopic } from '../../infra/services.js';

setLogLevel('error');

describe('the fencing member', { timeout: 120_000 }, () => {
  it('leaves the group for good when the container closes during its join', async (t) => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    t.after(() => admin.disconnect());
    const topic = uniqueTopic('fencing');
    await createTopics([{ topic, numPartitions: 2 }], kafka);
    const groupId = `sluice-${uniqueName('fencing')}`;
    const member = new FencingMember(
      kafka,
      {
        containerId: '0',
        groupId,
        clientId: `${groupId}-0`,
        sessionTimeoutMs: 10_000,
        logger: createLogger({ component: 'fencing-test' }),
      },
      { container: '0', partitions: { [topic]: [0, 1] }, epochs: { [`${topic}/0`]: '1', [`${topic}/1`]: '1' }, startedAt: Date.now() },
      [0, 1].map((partition) => ({ system: 'kafka', topic, partition })),
      new GroupMembership(),
    );
    const joining = member.join();
    await member.leave('closing');
    await joining.catch(() => undefined);
    const {
      groups: [group],
    } = await admin.describeGroups([groupId]);
    assert.deepEqual(group?.members, [], `no member left in ${groupId} (state ${group?.state})`);
  });
});
