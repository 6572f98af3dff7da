import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssignerProtocol, type MemberDescription } from 'kafkajs';
import { findPredecessors, type JoiningContainer } from '../../../shared/kafka/evict-predecessors.js';
import type { MemberClaim } from '../../../shared/kafka/owned-partitions-assigner.js';

const self: JoiningContainer = { container: 'c0', startedAt: 2_000, clientId: 'sluice-job-c0' };

/** A member as the coordinator describes it: with its metadata (the group is Stable) or without (it rebalances). */
function member(memberId: string, clientId: string, claim: MemberClaim | 'no metadata' | 'not a claim'): MemberDescription {
  const userData = claim === 'not a claim' ? Buffer.from('{"container":"c0"}') : Buffer.from(JSON.stringify(claim));
  return {
    memberId,
    clientId,
    clientHost: '/10.0.0.1',
    memberMetadata:
      claim === 'no metadata' ? Buffer.alloc(0) : AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['in'], userData }),
    memberAssignment: Buffer.alloc(0),
  };
}

const claim = (container: string, startedAt: number): MemberClaim => ({ container, startedAt, partitions: { in: [0] } });

describe('findPredecessors', () => {
  it('takes the members whose claim names the same container and an older start', () => {
    const found = findPredecessors(
      {
        members: [
          member('dead', 'sluice-job-c0', claim('c0', 1_000)),
          member('other', 'sluice-job-c1', claim('c1', 1_000)),
          member('newer', 'sluice-job-c0', claim('c0', 3_000)),
          member('same-start', 'sluice-job-c0', claim('c0', 2_000)),
        ],
      },
      self,
    );
    assert.deepEqual(found, [{ memberId: 'dead', clientHost: '/10.0.0.1', startedAt: 1_000 }]);
  });

  it('goes by the claim, not the client id, when there is one', () => {
    const found = findPredecessors({ members: [member('renamed', 'another-client', claim('c0', 1_000))] }, self);
    assert.deepEqual(
      found.map((entry) => entry.memberId),
      ['renamed'],
    );
    assert.deepEqual(findPredecessors({ members: [member('unreadable', 'sluice-job-c0', 'not a claim')] }, self), []);
  });

  it("takes a member by the container's client id while the group rebalances (no metadata shown)", () => {
    const found = findPredecessors(
      { members: [member('dead', 'sluice-job-c0', 'no metadata'), member('other', 'sluice-job-c1', 'no metadata')] },
      self,
    );
    assert.deepEqual(found, [{ memberId: 'dead', clientHost: '/10.0.0.1', startedAt: undefined }]);
  });
});
