import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtInSerdes, type Serde } from '../../../../shared/api/serdes.js';
import { isSluiceError } from '../../../../shared/errors.js';
import { partitionForKey } from '../../../../shared/kafka/partitioner.js';
import { findContainerOfTask } from '../../../../shared/model/job-model.js';
import { planJobModel } from '../../../../shared/model/plan-job-model.js';
import { groupBySystemStreamPartition } from '../../../../shared/model/ssp-grouper.js';
import { storeKeyFromText } from '../../../../executor/http/store-query.js';
import { keyOwners, storeKeyBytes } from '../../../../scheduler/framework/key-owners.js';

const words = (count: number) => Array.from({ length: count }, (_, i) => `w${i}`).concat(['the', 'river', 'flows', "don't", 'żółw', '']);

describe('which task holds a store key', () => {
  it("puts a word in the task of the partition Kafka's default partitioner gives it, in the container the model names", () => {
    for (const partitions of [1, 3, 4, 12]) {
      const model = planJobModel(undefined, [{ system: 'kafka', topic: 'words', partitionCount: partitions }], {
        job: 'wc',
        containerCount: Math.min(3, partitions),
      });
      for (const word of words(300)) {
        const key = Buffer.from(word, 'utf8');
        const partition = partitionForKey(partitions, key);
        const task = `Partition ${partition}`;
        assert.deepEqual(
          keyOwners(model, key),
          [{ task, container: findContainerOfTask(model, task)?.id, topic: 'words', partition }],
          `${word} on ${partitions}`,
        );
      }
    }
  });

  it("agrees with Kafka's own murmur2 test vectors (UtilsTest.testMurmur2), toPositive(hash) % partitions", () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const partitions of [2, 5, 7, 16]) {
      const model = planJobModel(undefined, [{ system: 'kafka', topic: 'words', partitionCount: partitions }], {
        job: 'wc',
        containerCount: 2,
      });
      for (const [word, hash] of vectors) {
        assert.equal(
          keyOwners(model, Buffer.from(word))[0]?.task,
          `Partition ${(hash & 0x7fffffff) % partitions}`,
          `${word} on ${partitions}`,
        );
      }
    }
  });

  it('under GroupByPartition one task owns the key on every input; under the ssp grouper there is one candidate per input', () => {
    const inputs = [
      { system: 'kafka', topic: 'orders', partitionCount: 4 },
      { system: 'kafka', topic: 'users', partitionCount: 4 },
    ];
    const key = Buffer.from('alice');
    const partition = partitionForKey(4, key);
    const byPartition = planJobModel(undefined, inputs, { job: 'join', containerCount: 2 });
    assert.deepEqual(
      keyOwners(byPartition, key).map((owner) => owner.task),
      [`Partition ${partition}`],
    );
    const bySsp = planJobModel(undefined, inputs, { job: 'join', containerCount: 3, grouper: groupBySystemStreamPartition });
    assert.deepEqual(
      keyOwners(bySsp, key).map((owner) => owner.task),
      [`SystemStreamPartition [kafka, orders, ${partition}]`, `SystemStreamPartition [kafka, users, ${partition}]`],
    );
  });

  it('an empty job model has no owner', () => {
    assert.deepEqual(keyOwners({ job: 'wc', version: 1, containers: [] }, Buffer.from('x')), []);
  });
});

describe('a store key given as URL text', () => {
  const code = (run: () => unknown): string | undefined => {
    try {
      run();
      return undefined;
    } catch (error) {
      return isSluiceError(error) ? error.code : 'not a SluiceError';
    }
  };

  it('is written as the built-in key serde writes it', () => {
    assert.deepEqual(storeKeyBytes('string', 'żółw', 's'), Buffer.from('żółw'));
    assert.deepEqual(storeKeyBytes('bytes', 'ab', 's'), Buffer.from('ab'));
    assert.deepEqual(storeKeyBytes('int32', '-7', 's'), builtInSerdes.int32.toBytes(-7));
    assert.deepEqual(storeKeyBytes('int32', '+2147483647', 's'), builtInSerdes.int32.toBytes(2147483647));
    assert.deepEqual(storeKeyBytes('int64', '-9223372036854775808', 's'), builtInSerdes.int64.toBytes(-(2n ** 63n)));
    assert.deepEqual(storeKeyBytes('json', ' {"a": [1, "b"]} ', 's'), Buffer.from('{"a":[1,"b"]}'));
    assert.deepEqual(storeKeyBytes('json', '"word"', 's'), Buffer.from('"word"'));
  });

  it('that does not parse for the serde is QUERY_KEY_INVALID, saying what was expected', () => {
    for (const [serde, text] of [
      ['int32', 'seven'],
      ['int32', '2147483648'],
      ['int32', '1.5'],
      ['int32', ''],
      ['int64', '9223372036854775808'],
      ['int64', '0x10'],
      ['json', 'word'],
    ] as const) {
      assert.equal(
        code(() => storeKeyBytes(serde, text, 'counts')),
        'QUERY_KEY_INVALID',
        `${serde} ${text}`,
      );
    }
    assert.throws(
      () => storeKeyBytes('int32', 'seven', 'counts'),
      /store 'counts' has int32 keys; 'seven' is not an integer in \[-2\^31, 2\^31\)/,
    );
    assert.throws(() => storeKeyBytes('json', 'word', 'counts'), /a string key is written with its quotes: "word"/);
  });

  it('of a serde the job module defines cannot be routed by the scheduler, which says to ask the container', () => {
    assert.equal(
      code(() => storeKeyBytes('avro-user', 'x', 'users')),
      'QUERY_KEY_SERDE_UNSUPPORTED',
    );
    assert.throws(
      () => storeKeyBytes('avro-user', 'x', 'users'),
      /built-in serdes only \(string, json, int32, int64, bytes\); ask the container .*\/stores\/users\/<key>\?task=<task>/,
    );
  });

  it('means the same key to the scheduler and to the container (the two parsers agree)', () => {
    const cases: [keyof typeof builtInSerdes, string][] = [
      ['string', 'word'],
      ['string', '42'],
      ['bytes', 'raw'],
      ['int32', '42'],
      ['int32', '-2147483648'],
      ['int64', '12345678901234567'],
      ['json', '{"user":"alice","n":1}'],
      ['json', '[1,2]'],
    ];
    for (const [serde, text] of cases) {
      const container = (builtInSerdes[serde] as Serde<unknown>).toBytes(
        storeKeyFromText(builtInSerdes[serde] as Serde<unknown>, text, 's'),
      );
      assert.deepEqual(storeKeyBytes(serde, text, 's'), container, `${serde} ${text}`);
    }
    for (const [serde, text] of [
      ['int32', 'x'],
      ['int64', '1e3'],
      ['json', '{'],
    ] as const) {
      assert.equal(
        code(() => storeKeyFromText(builtInSerdes[serde] as Serde<unknown>, text, 's')),
        'QUERY_KEY_INVALID',
      );
    }
  });
});
