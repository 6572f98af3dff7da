/**
 * `npm run bench:report`: draws every goal of bench/results/*.json, with the bench's last runs from
 * bench/results/history/, in bench/results/report.svg (the drawing: lib/report-chart.ts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { goalRows, renderReport } from './lib/report-chart.js';
import { HISTORY_RUNS, met, readHistory, readResults, resultsDir } from './lib/results.js';

const results = await readResults();
const histories = new Map(await Promise.all(results.map(async (result) => [result.bench, await readHistory(result.bench)] as const)));
const file = join(resultsDir, 'report.svg');
await writeFile(file, renderReport(results, histories, HISTORY_RUNS));
const rows = goalRows(results, histories, HISTORY_RUNS);
process.stdout.write(`${rows.length} goals (${rows.filter((row) => met(row.current)).length} met) drawn in ${file}\n`);
