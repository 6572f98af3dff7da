#!/usr/bin/env node
/**
 * Runs after every install (package.json "postinstall"; the Dockerfile calls it after its
 * --ignore-scripts install) and replaces or edits files of kafkajs 2.2.4:
 *
 * - src/producer/groupMessagesPerPartition.js groups a produce request's messages by partition by
 *   copying the partition's array once per message (kafkajs #1576): quadratic in the request's
 *   size, a quarter of a container's CPU in the e2e benchmark. Replaced by the same grouping in
 *   linear time.
 * - src/producer/sendMessages.js keeps responses per broker across retries and retries only the
 *   brokers without one, so a partition whose leader moved to a broker that had already answered
 *   is never sent, and the send resolves without it: outputs lost on a leader change (kafkajs
 *   #1303; the correctness review's H2). Replaced by a version that keeps responses per partition
 *   and re-sends every partition without one to its current leader.
 *
 * - src/producer/eosManager/index.js sends a transaction's EndTxn (commit or abort) once: a lost
 *   connection to the transaction coordinator, or a coordinator that moved (a broker crash), failed
 *   the commit and left the transaction neither committed nor abortable, so the task had to start
 *   over. Edited to retry EndTxn, finding the coordinator again, on those errors, as the Java client
 *   does: for the same producer epoch the coordinator answers a repeated EndTxn with the outcome
 *   it already has, so a retry never commits twice.
 *
 * - src/consumer/filterAbortedMessages.js takes the broker's list of a fetch's aborted
 *   transactions to be sorted by first offset, which it is not (the broker lists them as they
 *   ended): messages of an aborted transaction reached read_committed consumers, restores and
 *   inputs, as committed, breaking exactly-once. Replaced by a filter that sorts the list first.
 *
 * - src/protocol/requests/produce/v3/request.js (every produce version from 3 on) encodes each
 *   record with an Encoder of its own: a zero-filled 512-byte Buffer per record and per header, a
 *   Buffer per varint, BigInt arithmetic per timestamp, all copied again into the batch. That and
 *   the garbage it makes were most of a container's CPU in bench:e2e (bench/FINDINGS-e2e.md).
 *   Edited so an uncompressed partition's record batch is written straight into one Buffer of its
 *   exact size, byte for byte what the shipped code writes (test/unit/kafka/record-batch-codec);
 *   compressed batches, and records of types the shipped code would refuse, take the shipped path.
 * - src/protocol/recordBatch/record/v0/decoder.js parsed, for every record fetched, its batch's
 *   first offset and timestamp from strings into BigInts and read its timestamp delta through a
 *   dozen BigInt operations. Replaced by the same decoder doing that arithmetic in numbers while it
 *   is exact (the shipped BigInt path otherwise); same output.
 *
 * It knows each file as kafkajs ships it (by its SHA-256) and as patched, and refuses anything else
 * (exit 1, nothing written): a kafkajs upgrade must be looked at, not silently slowed down or broken.
 *
 *   node scripts/patch-kafkajs.mjs [file ...]     (default: the installed kafkajs's files)
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';

const MARKER = 'patched by sluice scripts/patch-kafkajs.mjs';

const GROUPING = {
  path: 'src/producer/groupMessagesPerPartition.js',
  shipped: 'ea72357721fbf67770b5e06b9bf4260faa1e60f3affb556bff2cc7892c1881fb',
  done: 'linear produce grouping',
  patched: `// ${MARKER}: linear grouping (kafkajs #1576)
module.exports = ({ topic, partitionMetadata, messages, partitioner }) => {
  if (partitionMetadata.length === 0) {
    return {}
  }

  const result = {}
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message })
    ;(result[partition] || (result[partition] = [])).push(message)
  }
  return result
}
`,
};

const SEND = {
  path: 'src/producer/sendMessages.js',
  shipped: '8a120e6993955e040a13014cccebd79b8d41e7355d6eda1065fa83fea2fbbcdb',
  done: 'a produce retry re-sends every partition not yet acknowledged',
  patched: `// ${MARKER}: a retry re-sends every partition not yet acknowledged, to its current leader (kafkajs #1303)
const { KafkaJSMetadataNotLoaded } = require('../errors')
const { staleMetadata } = require('../protocol/error')
const groupMessagesPerPartition = require('./groupMessagesPerPartition')
const createTopicData = require('./createTopicData')
const responseSerializer = require('./responseSerializer')

const { keys } = Object

/**
 * As shipped, responses were kept per broker across retries and a retry went only to brokers
 * without one: a partition whose leader moved to a broker that had already answered was never
 * sent, and the send resolved without it. Here responses are kept per partition, and a retry sends
 * every partition without one to the leader the refreshed metadata names. Messages are grouped
 * once, so a retry does not move a keyless message to another partition.
 *
 * @param {Object} options
 * @param {import("../../types").Logger} options.logger
 * @param {import("../../types").Cluster} options.cluster
 * @param {ReturnType<import("../../types").ICustomPartitioner>} options.partitioner
 * @param {import("./eosManager").EosManager} options.eosManager
 * @param {import("../retry").Retrier} options.retrier
 */
module.exports = ({ logger, cluster, partitioner, eosManager, retrier }) => {
  return async ({ acks, timeout, compression, topicMessages }) => {
    /** @type {Map<string, any>} "topic:partition" (":" is not allowed in topic names) → that partition's response */
    const responsePerPartition = new Map()
    /** @type {Map<string, Object<string, any[]>>} topic → messages per partition, grouped once */
    const messagesPerTopic = new Map()
    const partitionKey = (topic, partition) => topic + ':' + partition

    const createProducerRequests = async () => {
      const topicMetadata = new Map()
      const brokers = new Map()

      await cluster.refreshMetadataIfNecessary()

      for (const { topic, messages } of topicMessages) {
        const partitionMetadata = cluster.findTopicPartitionMetadata(topic)

        if (partitionMetadata.length === 0) {
          logger.debug('Producing to topic without metadata', {
            topic,
            targetTopics: Array.from(cluster.targetTopics),
          })

          throw new KafkaJSMetadataNotLoaded('Producing to topic without metadata')
        }

        if (!messagesPerTopic.has(topic)) {
          messagesPerTopic.set(
            topic,
            groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner })
          )
        }
        const messagesPerPartition = messagesPerTopic.get(topic)

        const partitions = keys(messagesPerPartition).filter(
          partition => !responsePerPartition.has(partitionKey(topic, partition))
        )
        const partitionsPerLeader = cluster.findLeaderForPartitions(topic, partitions)
        const found = [].concat(...Object.values(partitionsPerLeader))
        if (found.length < partitions.length) {
          // A partition the metadata does not know (yet): retried after a refresh, never skipped.
          throw new KafkaJSMetadataNotLoaded('Producing to a partition without metadata')
        }

        topicMetadata.set(topic, { partitionsPerLeader, messagesPerPartition })

        for (const nodeId of keys(partitionsPerLeader)) {
          if (!brokers.has(nodeId)) {
            brokers.set(nodeId, await cluster.findBroker({ nodeId }))
          }
        }
      }

      return Array.from(brokers.values()).map(async broker => {
        const entries = Array.from(topicMetadata.entries())
        const topicDataForBroker = entries
          .filter(([_, { partitionsPerLeader }]) => !!partitionsPerLeader[broker.nodeId])
          .map(([topic, { partitionsPerLeader, messagesPerPartition }]) => ({
            topic,
            partitions: partitionsPerLeader[broker.nodeId],
            messagesPerPartition,
          }))

        const topicData = createTopicData(topicDataForBroker)

        await eosManager.acquireBrokerLock(broker)
        try {
          if (eosManager.isTransactional()) {
            await eosManager.addPartitionsToTransaction(topicData)
          }

          topicData.forEach(({ topic, partitions }) => {
            partitions.forEach(entry => {
              entry['firstSequence'] = eosManager.getSequence(topic, entry.partition)
              eosManager.updateSequence(topic, entry.partition, entry.messages.length)
            })
          })

          let response
          try {
            response = await broker.produce({
              transactionalId: eosManager.isTransactional()
                ? eosManager.getTransactionalId()
                : undefined,
              producerId: eosManager.getProducerId(),
              producerEpoch: eosManager.getProducerEpoch(),
              acks,
              timeout,
              compression,
              topicData,
            })
          } catch (e) {
            topicData.forEach(({ topic, partitions }) => {
              partitions.forEach(entry => {
                eosManager.updateSequence(topic, entry.partition, -entry.messages.length)
              })
            })
            throw e
          }

          // acks=0 has no response: the partitions count as sent, with no metadata to return.
          const formattedResponse = acks !== 0 ? responseSerializer(response) : []
          const answers = new Map(
            formattedResponse.map(entry => [partitionKey(entry.topicName, entry.partition), entry])
          )
          topicData.forEach(({ topic, partitions }) => {
            partitions.forEach(({ partition }) => {
              const key = partitionKey(topic, partition)
              responsePerPartition.set(key, answers.get(key))
            })
          })
        } finally {
          await eosManager.releaseBrokerLock(broker)
        }
      })
    }

    return retrier(async (bail, retryCount, retryTime) => {
      const topics = topicMessages.map(({ topic }) => topic)
      await cluster.addMultipleTargetTopics(topics)

      try {
        const requests = await createProducerRequests()
        await Promise.all(requests)
        return Array.from(responsePerPartition.values()).filter(answer => answer !== undefined)
      } catch (e) {
        if (e.name === 'KafkaJSConnectionClosedError') {
          cluster.removeBroker({ host: e.host, port: e.port })
        }

        if (!cluster.isConnected()) {
          logger.debug('Cluster has disconnected, reconnecting: ' + e.message, {
            retryCount,
            retryTime,
          })
          await cluster.connect()
          await cluster.refreshMetadata()
          throw e
        }

        // This is necessary in case the metadata is stale and the number of partitions
        // for this topic has increased in the meantime
        if (
          staleMetadata(e) ||
          e.name === 'KafkaJSMetadataNotLoaded' ||
          e.name === 'KafkaJSConnectionError' ||
          e.name === 'KafkaJSConnectionClosedError' ||
          (e.name === 'KafkaJSProtocolError' && e.retriable)
        ) {
          logger.error('Failed to send messages: ' + e.message, { retryCount, retryTime })
          await cluster.refreshMetadata()
          throw e
        }

        logger.error(e.message, { retryCount, retryTime })
        if (e.retriable) throw e
        bail(e)
      }
    })
  }
}
`,
};

const ABORTED = {
  path: 'src/consumer/filterAbortedMessages.js',
  shipped: '54ce50f2a41ee1686da8b73bf8b502c7dd07c9d7cb0a494cdb36a7fc536ced8e',
  done: 'read_committed drops every aborted transaction, in whatever order the broker lists them',
  patched: `// ${MARKER}: aborted transactions taken in firstOffset order, all that have begun
const Long = require('../utils/long')
const ABORTED_MESSAGE_KEY = Buffer.from([0, 0, 0, 0])

// A control record's key says what it marks; a data record may have the same bytes as its key.
const isAbortMarker = ({ key, isControlRecord }) => {
  if (!isControlRecord || !key) return false
  return Buffer.from(key).equals(ABORTED_MESSAGE_KEY)
}

/**
 * Removes the messages of aborted transactions. As shipped, the broker's list of aborted
 * transactions was taken to be in order of their first offsets, and one entry at most was taken per
 * message. The broker lists them in the order they ended: two producers whose transactions
 * interleave and are aborted one after the other (a crashed container's tasks, fenced one by one)
 * came out of the list late, and the messages of the one that began first were delivered as
 * committed. Here, as the Java client does, the list is sorted by first offset, and every
 * transaction that has begun by a message's offset is active for it until its producer's abort
 * marker, which must be a control record (shipped, a data record whose key was 00 00 00 00 ended it).
 *
 * @param {object} options
 * @param {object[]} options.messages
 * @param {{ firstOffset: string, producerId: string }[]} [options.abortedTransactions]
 */
module.exports = ({ messages, abortedTransactions }) => {
  if (!abortedTransactions || !abortedTransactions.length) {
    return messages
  }

  const pending = abortedTransactions
    .map(({ firstOffset, producerId }) => ({ firstOffset: Long.fromValue(firstOffset), producerId: String(producerId) }))
    .sort((a, b) => a.firstOffset.compare(b.firstOffset))
  let next = 0
  const aborting = new Set()

  return messages.filter(message => {
    const offset = Long.fromValue(message.offset)
    while (next < pending.length && offset.gte(pending[next].firstOffset)) {
      aborting.add(pending[next].producerId)
      next++
    }

    const { producerId, inTransaction } = message.batchContext
    const producer = String(producerId)

    if (isAbortMarker(message)) {
      aborting.delete(producer)
    } else if (inTransaction && aborting.has(producer)) {
      return false
    }

    return true
  })
}
`,
};

/**
 * Small edits of a large file, given as [shipped text, replacement] pairs, each of which must occur
 * once; `result` is the SHA-256 of the edited file.
 */
const END_TXN = {
  path: 'src/producer/eosManager/index.js',
  shipped: 'a74ae029d7aa786b8616b77f922d30a81bec2833878769dbfa6b4a9dab66db22',
  result: 'fa65384428ac6b874e0ee8520efa26a2e3f1cb8e0be18640f033df740868c3f0',
  done: 'EndTxn is retried on a lost connection or a moving transaction coordinator',
  edits: [
    [
      `  const transactionalGuard = () => {`,
      `  // ${MARKER}: EndTxn retried on a lost connection or a moving coordinator, as the Java client does
  const END_TXN_RETRIABLE = [
    'NOT_COORDINATOR_FOR_GROUP',
    'GROUP_COORDINATOR_NOT_AVAILABLE',
    'GROUP_LOAD_IN_PROGRESS',
    'CONCURRENT_TRANSACTIONS',
  ]
  const END_TXN_RETRIABLE_ERRORS = [
    'KafkaJSConnectionError',
    'KafkaJSConnectionClosedError',
    'KafkaJSRequestTimeoutError',
  ]
  const endTransaction = transactionResult =>
    retrier(async bail => {
      try {
        const broker = await findTransactionCoordinator()
        await broker.endTxn({ producerId, producerEpoch, transactionalId, transactionResult })
      } catch (e) {
        if (END_TXN_RETRIABLE.includes(e.type) || END_TXN_RETRIABLE_ERRORS.includes(e.name)) {
          logger.debug('EndTxn failed, retrying with the current transaction coordinator', {
            error: e.message,
            transactionalId,
          })
          throw e
        }
        bail(e)
      }
    })

  const transactionalGuard = () => {`,
    ],
    ...[true, false].map((result) => [
      `        const broker = await findTransactionCoordinator()
        await broker.endTxn({
          producerId,
          producerEpoch,
          transactionalId,
          transactionResult: ${result},
        })
`,
      `        await endTransaction(${result})
`,
    ]),
  ],
};

const PRODUCE = {
  path: 'src/protocol/requests/produce/v3/request.js',
  shipped: '993a3db997827088f5acb08cacf3c67a99ec2886303ff465d244329b8a1c7f99',
  result: 'f7867cd55ba7edc627bab4eba874cb058ad7409a9853c7e58af377d6933ed4d4',
  done: 'uncompressed record batches are encoded into one buffer',
  edits: [
    [
      `const { RecordBatch } = require('../../../recordBatch/v0')
`,
      `const { RecordBatch } = require('../../../recordBatch/v0')
const crc32C = require('../../../recordBatch/crc32C')

// ${MARKER}: an uncompressed record batch is written into one buffer of its exact size
const zigZag32 = value => ((value << 1) ^ (value >> 31)) >>> 0
const zigZag64 = value => (value >= 0 ? value * 2 : -value * 2 - 1)
const sizeOfUVarLong = value => {
  let bytes = 1
  for (let rest = value; rest >= 128; rest = Math.floor(rest / 128)) bytes++
  return bytes
}
const writeUVarLong = (buf, at, value) => {
  let rest = value
  while (rest >= 128) {
    buf[at++] = (rest % 128) | 128
    rest = Math.floor(rest / 128)
  }
  buf[at++] = rest
  return at
}
const writeInt64 = (buf, at, value) => {
  const long = Long.fromValue(value)
  buf.writeInt32BE(long.getHighBits(), at)
  buf.writeInt32BE(long.getLowBits(), at + 4)
}
// The byte length of a key, a value or a header value, -1 for none; undefined for a type the
// shipped encoder refuses or would write differently (it then takes the shipped path).
const bytesOf = value => {
  if (value === null || value === undefined) return -1
  if (Buffer.isBuffer(value)) return value.length
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  return undefined
}
const sizeOfBytes = length => sizeOfUVarLong(zigZag32(length)) + Math.max(length, 0)
const writeBytes = (buf, at, value, length) => {
  at = writeUVarLong(buf, at, zigZag32(length))
  if (length <= 0) return at
  if (Buffer.isBuffer(value)) value.copy(buf, at)
  else buf.write(value, at, length, 'utf8')
  return at + length
}

/** The record batch of an uncompressed partition as an Encoder, or undefined to take the shipped path. */
const encodeUncompressed = ({ partition, messages, dateNow, firstTimestamp, maxTimestamp, producerId, producerEpoch, firstSequence, transactional }) => {
  // Per record: [body size, timestamp delta (zig-zagged), key length, value length, header count],
  // then per header [key length, value length].
  const sizes = []
  let recordsSize = 0
  for (let i = 0; i < messages.length; i++) {
    const { timestamp, key, value, headers } = messages[i]
    let delta = (timestamp || dateNow) - firstTimestamp
    if (Number.isNaN(delta)) delta = 0
    if (!Number.isSafeInteger(delta) || Math.abs(delta) >= 2 ** 52) return undefined
    const keyLength = bytesOf(key)
    const valueLength = bytesOf(value)
    if (keyLength === undefined || valueLength === undefined) return undefined
    if (headers !== undefined && (headers === null || typeof headers !== 'object')) return undefined
    const zigZagged = zigZag64(delta)
    const at = sizes.length
    sizes.push(0, zigZagged, keyLength, valueLength, 0)
    let headerCount = 0
    let headersSize = 0
    for (const headerKey of headers === undefined ? [] : Object.keys(headers)) {
      const headerValues = Array.isArray(headers[headerKey]) ? headers[headerKey] : [headers[headerKey]]
      for (const headerValue of headerValues) {
        const headerKeyLength = Buffer.byteLength(headerKey, 'utf8')
        const headerValueLength = bytesOf(headerValue)
        if (headerValueLength === undefined || headerValueLength < 0) return undefined
        sizes.push(headerKeyLength, headerValueLength)
        headerCount++
        headersSize += sizeOfBytes(headerKeyLength) + sizeOfBytes(headerValueLength)
      }
    }
    const body =
      1 +
      sizeOfUVarLong(zigZagged) +
      sizeOfUVarLong(zigZag32(i)) +
      sizeOfBytes(keyLength) +
      sizeOfBytes(valueLength) +
      sizeOfUVarLong(zigZag32(headerCount)) +
      headersSize
    sizes[at] = body
    sizes[at + 4] = headerCount
    recordsSize += sizeOfUVarLong(zigZag32(body)) + body
  }

  // partition, record set size, first offset, batch length, leader epoch, magic, CRC, then the
  // CRC'd part: attributes, last offset delta, first and max timestamps, producer id and epoch,
  // first sequence, record count and the records.
  const buf = Buffer.allocUnsafe(69 + recordsSize)
  buf.writeInt32BE(partition, 0)
  buf.writeInt32BE(61 + recordsSize, 4)
  writeInt64(buf, 8, 0)
  buf.writeInt32BE(49 + recordsSize, 16)
  buf.writeInt32BE(0, 20)
  buf.writeInt8(2, 24)
  const crcd = 29
  buf.writeInt16BE(transactional ? 16 : 0, crcd)
  buf.writeInt32BE(messages.length - 1, crcd + 2)
  writeInt64(buf, crcd + 6, firstTimestamp)
  writeInt64(buf, crcd + 14, maxTimestamp)
  writeInt64(buf, crcd + 22, producerId === undefined ? -1 : producerId)
  buf.writeInt16BE(producerEpoch === undefined ? 0 : producerEpoch, crcd + 30)
  buf.writeInt32BE(firstSequence === undefined ? 0 : firstSequence, crcd + 32)
  buf.writeInt32BE(messages.length, crcd + 36)
  let at = crcd + 40
  let next = 0
  for (let i = 0; i < messages.length; i++) {
    const { key, value, headers } = messages[i]
    const body = sizes[next]
    const headerCount = sizes[next + 4]
    at = writeUVarLong(buf, at, zigZag32(body))
    buf[at++] = 0
    at = writeUVarLong(buf, at, sizes[next + 1])
    at = writeUVarLong(buf, at, zigZag32(i))
    at = writeBytes(buf, at, key, sizes[next + 2])
    at = writeBytes(buf, at, value, sizes[next + 3])
    at = writeUVarLong(buf, at, zigZag32(headerCount))
    next += 5
    if (headerCount > 0) {
      for (const headerKey of Object.keys(headers)) {
        const headerValues = Array.isArray(headers[headerKey]) ? headers[headerKey] : [headers[headerKey]]
        for (const headerValue of headerValues) {
          at = writeBytes(buf, at, headerKey, sizes[next])
          at = writeBytes(buf, at, headerValue, sizes[next + 1])
          next += 2
        }
      }
    }
  }
  buf.writeUInt32BE(crc32C(buf.subarray(crcd, at)), 25)
  const encoder = new Encoder(1)
  encoder.buf = buf
  encoder.offset = buf.length
  return encoder
}
`,
    ],
    [
      `  const maxTimestamp = timestamps[timestamps.length - 1]
`,
      `  const maxTimestamp = timestamps[timestamps.length - 1]

  if (compression === Types.None) {
    const encoded = encodeUncompressed({
      partition,
      messages,
      dateNow,
      firstTimestamp,
      maxTimestamp,
      producerId,
      producerEpoch,
      firstSequence,
      transactional: !!transactionalId,
    })
    if (encoded !== undefined) return encoded
  }
`,
    ],
  ],
};
const RECORD_DECODER = {
  path: 'src/protocol/recordBatch/record/v0/decoder.js',
  shipped: '86d740054c8be29b02873bf2871eb43ba5004af94324610541dbab2d9fabcc65',
  done: 'records decode their offsets and timestamps with number arithmetic',
  patched: `// ${MARKER}: offsets and timestamps in number arithmetic while it is exact
const Long = require('../../../../utils/long')
const HeaderDecoder = require('../../header/v0/decoder')
const TimestampTypes = require('../../../timestampTypes')

/**
 * v0
 * Record =>
 *   Length => Varint
 *   Attributes => Int8
 *   TimestampDelta => Varlong
 *   OffsetDelta => Varint
 *   Key => varInt|Bytes
 *   Value => varInt|Bytes
 *   Headers => [HeaderKey HeaderValue]
 *     HeaderKey => VarInt|String
 *     HeaderValue => VarInt|Bytes
 *
 * As shipped, every record parsed its batch's first offset and first timestamp from their strings
 * into BigInts, added its deltas and printed the sums, and read its timestamp delta through a
 * dozen BigInt operations. Here a batch's bases are parsed once into numbers (its records share
 * one context, decoded one after the other) and a record's deltas are added as numbers, while every
 * figure is an exact integer; anything else takes the shipped BigInt path. Same output.
 */

const DECIMAL = /^-?[0-9]+$/
const exactNumber = text => {
  if (typeof text !== 'string' || !DECIMAL.test(text)) return undefined
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : undefined
}

let lastContext
let offsetBase
let timestampBase

// A zig-zagged varlong of at most 7 bytes (below 2^49) as a number, or undefined without reading.
const readShortVarLong = decoder => {
  const { buffer } = decoder
  let at = decoder.offset
  let unsigned = 0
  let scale = 1
  for (let i = 0; i < 7; i++) {
    const byte = buffer[at++]
    if (byte === undefined) return undefined
    unsigned += (byte & 0x7f) * scale
    if (byte < 0x80) {
      decoder.offset = at
      return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2
    }
    scale *= 128
  }
  return undefined
}

const sum = (base, delta) => {
  if (base === undefined || delta === undefined) return undefined
  const total = base + delta
  return Number.isSafeInteger(total) ? String(total) : undefined
}

module.exports = (decoder, batchContext = {}) => {
  const {
    firstOffset,
    firstTimestamp,
    magicByte,
    isControlBatch = false,
    timestampType,
    maxTimestamp,
  } = batchContext
  if (batchContext !== lastContext) {
    lastContext = batchContext
    offsetBase = exactNumber(firstOffset)
    timestampBase = exactNumber(firstTimestamp)
  }
  const attributes = decoder.readInt8()

  const shortDelta = readShortVarLong(decoder)
  const timestampDelta = shortDelta === undefined ? decoder.readVarLong() : shortDelta
  const timestamp =
    timestampType === TimestampTypes.LOG_APPEND_TIME && maxTimestamp
      ? maxTimestamp
      : sum(timestampBase, shortDelta) ||
        Long.fromValue(firstTimestamp)
          .add(timestampDelta)
          .toString()

  const offsetDelta = decoder.readVarInt()
  const offset =
    sum(offsetBase, offsetDelta) ||
    Long.fromValue(firstOffset)
      .add(offsetDelta)
      .toString()

  const key = decoder.readVarIntBytes()
  const value = decoder.readVarIntBytes()
  const headers = decoder.readVarIntArray(HeaderDecoder).reduce(
    (obj, { key, value }) => ({
      ...obj,
      [key]:
        obj[key] === undefined
          ? value
          : Array.isArray(obj[key])
          ? obj[key].concat([value])
          : [obj[key], value],
    }),
    {}
  )

  return {
    magicByte,
    attributes, // Record level attributes are presently unused
    timestamp,
    offset,
    key,
    value,
    headers,
    isControlRecord: isControlBatch,
    batchContext,
  }
}
`,
};

const PATCHES = [GROUPING, SEND, ABORTED, END_TXN, PRODUCE, RECORD_DECODER];

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const kafkajs = () => dirname(createRequire(import.meta.url).resolve('kafkajs/package.json'));
const targets = process.argv.length > 2 ? process.argv.slice(2) : PATCHES.map((patch) => join(kafkajs(), patch.path));

function refuse(file, why) {
  process.stderr.write(`scripts/patch-kafkajs.mjs: ${file} ${why}; compare it with the script and update the script\n`);
  process.exit(1);
}

const isPatched = (text, patch) => (patch.patched === undefined ? sha256(text) === patch.result : text === patch.patched);

/** The patched text of a shipped file: the whole replacement, or the shipped text with its edits made. */
function patchedText(file, text, patch) {
  if (patch.patched !== undefined) return patch.patched;
  let edited = text;
  for (const [before, after] of patch.edits) {
    if (edited.split(before).length !== 2) refuse(file, `does not hold this text exactly once:\n${before}`);
    edited = edited.replace(before, () => after);
  }
  if (sha256(edited) !== patch.result) refuse(file, `edited is not the file the script expects (SHA-256 ${sha256(edited)})`);
  return edited;
}

// Every file is checked before any is written: a refused one leaves the install as it was.
const writes = [];
for (const file of targets) {
  const text = readFileSync(file, 'utf8');
  if (PATCHES.some((patch) => isPatched(text, patch))) continue;
  const patch = PATCHES.find((candidate) => sha256(text) === candidate.shipped);
  if (!patch) refuse(file, 'is not the file of kafkajs 2.2.4 it patches');
  writes.push({ file, patch, text: patchedText(file, text, patch) });
}
for (const { file, patch, text } of writes) {
  writeFileSync(file, text);
  process.stdout.write(`kafkajs: ${patch.done} (${file})\n`);
}
