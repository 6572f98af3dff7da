/**
 * `npm run bench:store`: the store stack against the raw RocksDB engine, the mysql store stack
 * against raw mysql2 on a MariaDB started for it, and restore against a plain Kafka consume, all in this one run; writes bench/results/store.json (see bench/README.md).
 * The engine measurements run first, before Kafka starts, so the broker's JVM does not share
 * the two cores with them.
 */
import { loadavg } from 'node:os';
import { setLogLevel } from '../shared/log.js';
import { type Goal, writeResult } from './lib/results.js';
import { compareRestore } from './lib/restore.js';
import { measureMySql } from './lib/mysql-ops.js';
import { peakRssResets, withPeakRss } from './lib/peak-rss.js';
import { COMMIT_EVERY, HOT_KEYS, measureBulkWrites, measureHotGets, measureHotPuts } from './lib/store-ops.js';

/** Sized so each side runs for about 1–5 s on a 2-core machine; every loop is bounded by these. */
const SIZES = {
  stackGets: 2_000_000,
  rawGets: 40_000,
  stackPuts: 1_000_000,
  rawPuts: 40_000,
  bulkKeys: 1_000_000,
  changelogRecords: 1_000_000,
  mysqlWrites: 200_000,
  mysqlGets: 2_000_000,
  mysqlRawGets: 20_000,
};

setLogLevel('warn');
const step = (text: string) => process.stdout.write(`${text}\n`);
// Other work on the machine skews every number here; the load says how much to trust a run.
const [loadAverage = 0] = loadavg();

step(`hot gets (${HOT_KEYS} keys)…`);
const { result: gets, peakRssMb: getsPeakRssMb } = await withPeakRss(() => measureHotGets(SIZES.stackGets, SIZES.rawGets));
step(`hot puts (${HOT_KEYS} keys, commit every ${COMMIT_EVERY})…`);
const { result: puts, peakRssMb: putsPeakRssMb } = await withPeakRss(() => measureHotPuts(SIZES.stackPuts, SIZES.rawPuts));
step(`${SIZES.bulkKeys} distinct keys…`);
const { result: bulk, peakRssMb: bulkPeakRssMb } = await withPeakRss(() => measureBulkWrites(SIZES.bulkKeys));
step(`mysql: ${SIZES.mysqlWrites} puts committed every ${COMMIT_EVERY}, cached gets vs point selects (starting MariaDB)…`);
const { result: mysql, peakRssMb: mysqlPeakRssMb } = await withPeakRss(() =>
  measureMySql({ writes: SIZES.mysqlWrites, gets: SIZES.mysqlGets, rawGets: SIZES.mysqlRawGets }),
);
step(`restore of ${SIZES.changelogRecords} changelog records (starting Kafka)…`);
const restore = await compareRestore(SIZES.changelogRecords);

const restoreRate = restore.restore.records / restore.restore.seconds;
const rawRate = restore.raw.records / restore.raw.seconds;
const higher = (value: number, goal: number): Goal => ({ value, goal, better: 'higher' });

await writeResult(
  'store',
  {
    stack_get_ops_per_s: gets.stack,
    raw_get_ops_per_s: gets.raw,
    stack_put_ops_per_s: puts.stack,
    raw_single_put_ops_per_s: puts.raw,
    stack_bulk_put_ops_per_s: bulk.stack,
    raw_batch_put_ops_per_s: bulk.raw,
    raw_batch_put_flush_each_ops_per_s: bulk.rawFlushEach,
    commit_every_ops: COMMIT_EVERY,
    restore_records_per_s: restoreRate,
    restore_mb_per_s: restore.restore.bytes / 1e6 / restore.restore.seconds,
    restore_seconds: restore.restore.seconds,
    restore_first_record_s: restore.restore.firstRecordSeconds,
    restore_cpu_us_per_record: restore.restore.cpuMicros / restore.restore.records,
    raw_consume_records_per_s: rawRate,
    raw_consume_mb_per_s: restore.raw.bytes / 1e6 / restore.raw.seconds,
    raw_consume_seconds: restore.raw.seconds,
    raw_consume_first_record_s: restore.raw.firstRecordSeconds,
    raw_consume_cpu_us_per_record: restore.raw.cpuMicros / restore.raw.records,
    changelog_produce_records_per_s: restore.produceRate,
    mysql_stack_commit_batched_put_ops_per_s: mysql.stackWrites,
    mysql_raw_multirow_upsert_ops_per_s: mysql.rawWrites,
    mysql_stack_cached_get_ops_per_s: mysql.stackCachedGets,
    mysql_raw_point_select_ops_per_s: mysql.rawPointSelects,
    hot_gets_peak_rss_mb: getsPeakRssMb,
    hot_puts_peak_rss_mb: putsPeakRssMb,
    bulk_writes_peak_rss_mb: bulkPeakRssMb,
    mysql_peak_rss_mb: mysqlPeakRssMb,
    raw_consume_peak_rss_mb: restore.rawPeakRssMb,
    restore_peak_rss_mb: restore.restorePeakRssMb,
    peak_rss_mb: Math.max(getsPeakRssMb, putsPeakRssMb, bulkPeakRssMb, mysqlPeakRssMb, restore.rawPeakRssMb, restore.restorePeakRssMb),
    peak_rss_per_phase: peakRssResets(),
    load_average_1m_at_start: loadAverage,
  },
  {
    cached_get_vs_raw: higher(gets.stack / gets.raw, 1.0),
    cached_put_vs_raw: higher(puts.stack / puts.raw, 1.0),
    batch_write_vs_raw: higher(bulk.stack / bulk.raw, 0.8),
    restore_vs_raw_consume: higher(restoreRate / rawRate, 0.8),
    mysql_batch_write_vs_raw: higher(mysql.stackWrites / mysql.rawWrites, 0.8),
    mysql_cached_get_vs_point_select: higher(mysql.stackCachedGets / mysql.rawPointSelects, 1.0),
  },
);
