#!/usr/bin/env node
/**
 * Runs after every install (package.json "postinstall"; the Dockerfile calls it after its
 * --ignore-scripts install). kafkajs 2.2.4 groups a produce request's messages by partition by
 * copying the partition's array once per message (src/producer/groupMessagesPerPartition.js,
 * kafkajs #1576): quadratic in the request's size, a quarter of a container's CPU in the e2e
 * benchmark. This replaces that one file with the same grouping in linear time.
 *
 * It knows the file as kafkajs ships it and as patched, and refuses anything else (exit 1): a
 * kafkajs upgrade must be looked at, not silently slowed down or broken.
 *
 *   node scripts/patch-kafkajs.mjs [file]     (default: the installed kafkajs's file)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';

const MARKER = 'patched by sluice scripts/patch-kafkajs.mjs';

const SHIPPED = `module.exports = ({ topic, partitionMetadata, messages, partitioner }) => {
  if (partitionMetadata.length === 0) {
    return {}
  }

  return messages.reduce((result, message) => {
    const partition = partitioner({ topic, partitionMetadata, message })
    const current = result[partition] || []
    return Object.assign(result, { [partition]: [...current, message] })
  }, {})
}
`;

const PATCHED = `// ${MARKER}: linear grouping (kafkajs #1576)
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
`;

const file =
  process.argv[2] ??
  join(dirname(createRequire(import.meta.url).resolve('kafkajs/package.json')), 'src/producer/groupMessagesPerPartition.js');
const text = readFileSync(file, 'utf8');
if (text === PATCHED) process.exit(0);
if (text !== SHIPPED) {
  process.stderr.write(
    `scripts/patch-kafkajs.mjs: ${file} is not the file of kafkajs 2.2.4 it patches; compare it with the script and update the script\n`,
  );
  process.exit(1);
}
writeFileSync(file, PATCHED);
process.stdout.write(`kafkajs: linear produce grouping (${file})\n`);
