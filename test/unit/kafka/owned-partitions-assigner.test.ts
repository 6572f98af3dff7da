import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssignerProtocol } from 'kafkajs';
import { assignOwnedPartitions, ownedPartitionsAssigner, type MemberClaim } from '../../../shared/kafka/owned-partitions-assigner.js';

const claim = (container: string, startedAt: number, partitions: Record<string, number[]>): MemberClaim => ({
  container,
  startedAt,
  partitions,
});

describe('owned-partitions assigner', () => {
  it('gives each member exactly the partitions it claims', () => {
    const assignment = assignOwnedPartitions([
      { memberId: 'm-a', claim: claim('0', 1, { words: [0, 2], clicks: [0] }) },
      { memberId: 'm-b', claim: claim('1', 2, { words: [1, 3] }) },
    ]);
    assert.deepEqual(assignment.get('m-a'), { words: [0, 2], clicks: [0] });
    assert.deepEqual(assignment.get('m-b'), { words: [1, 3] });
  });

  it('gives a partition claimed twice to the newest member and reports the older one', () => {
    const conflicts: string[] = [];
    const assignment = assignOwnedPartitions(
      [
        { memberId: 'dead', claim: claim('0', 100, { words: [0, 1] }) },
        { memberId: 'restarted', claim: claim('0', 200, { words: [0, 1] }) },
        { memberId: 'other', claim: claim('1', 50, { words: [2] }) },
      ],
      (member, why) => conflicts.push(`${member}: ${why}`),
    );
    assert.deepEqual(assignment.get('restarted'), { words: [0, 1] });
    assert.deepEqual(assignment.get('dead'), {});
    assert.deepEqual(assignment.get('other'), { words: [2] });
    assert.deepEqual(conflicts, ['dead: words/0 is claimed by the newer container 0', 'dead: words/1 is claimed by the newer container 0']);
  });

  it("gives a contested partition to the later task claim (ZooKeeper epoch), whatever the hosts' clocks say", () => {
    const conflicts: string[] = [];
    const zombie = { ...claim('0', 900, { words: [0, 1] }), epochs: { 'words/0': '7', 'words/1': '7' } };
    const owner = { ...claim('2', 100, { words: [0] }), epochs: { 'words/0': '12' } };
    const assignment = assignOwnedPartitions(
      [
        { memberId: 'zombie', claim: zombie },
        { memberId: 'owner', claim: owner },
      ],
      (member, why) => conflicts.push(`${member}: ${why}`),
    );
    assert.deepEqual(assignment.get('owner'), { words: [0] }, 'the owner started earlier by its clock, but claimed later');
    assert.deepEqual(assignment.get('zombie'), { words: [1] });
    assert.deepEqual(conflicts, ['zombie: words/0 is claimed by container 2 under a later task claim (epoch 12)']);
  });

  it('gives nothing to a member without a readable claim', () => {
    const conflicts: string[] = [];
    const assignment = assignOwnedPartitions([{ memberId: 'x', claim: undefined }], (member, why) => conflicts.push(`${member}: ${why}`));
    assert.deepEqual(assignment.get('x'), {});
    assert.deepEqual(conflicts, ['x: sent no readable claim']);
  });

  it('round-trips claims through the kafkajs member metadata and answers for every member', async () => {
    const assigner = ownedPartitionsAssigner(claim('0', 1, { words: [0] }))({ cluster: {} } as never);
    const other = ownedPartitionsAssigner(claim('1', 2, { words: [1] }))({ cluster: {} } as never);
    const garbage = AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['words'], userData: Buffer.from('{"container":1}') });
    const members = [
      { memberId: 'a', memberMetadata: assigner.protocol({ topics: ['words'] }).metadata },
      { memberId: 'b', memberMetadata: other.protocol({ topics: ['words'] }).metadata },
      { memberId: 'c', memberMetadata: garbage },
    ];
    const result = await assigner.assign({ members, topics: ['words'] } as never);
    const decoded = new Map(
      result.map(({ memberId, memberAssignment }) => [memberId, AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment]),
    );
    assert.deepEqual(decoded.get('a'), { words: [0] });
    assert.deepEqual(decoded.get('b'), { words: [1] });
    assert.deepEqual(decoded.get('c'), {});
  });
});
