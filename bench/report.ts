/**
 * `npm run bench:report`: draws every goal of bench/results/*.json as one horizontal bar in
 * bench/results/report.svg. Goals differ in unit and size by orders of magnitude (a 178× ratio
 * beside 20 µs), so each row has its own linear scale, from 0 to a bit past the larger of value and
 * goal: the bar is the value, the dashed line the goal, green met, red not met.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { met, readResults, resultsDir, type Goal } from './lib/results.js';

const WIDTH = 960;
const LABEL = 330;
const BAR = 420;
const ROW = 30;
const HEADER = 56;
const COLOURS = { met: '#2e7d32', unmet: '#c62828', goal: '#212121', text: '#212121', muted: '#757575' };

interface Row {
  readonly bench: string;
  readonly name: string;
  readonly goal: Goal;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x}" y="${y}" ${attributes}>${escape(content)}</text>`;
}

function row(entry: Row, index: number): string {
  const { goal } = entry;
  const y = HEADER + index * ROW;
  const scale = BAR / (Math.max(goal.value, goal.goal, Number.MIN_VALUE) * 1.15);
  const barWidth = Math.max(1, goal.value * scale);
  const goalX = LABEL + goal.goal * scale;
  const colour = met(goal) ? COLOURS.met : COLOURS.unmet;
  const verdict = `${goal.value} (goal ${goal.better === 'higher' ? '≥' : '≤'} ${goal.goal}) ${met(goal) ? 'met' : 'NOT met'}`;
  return [
    text(LABEL - 10, y + 19, `${entry.bench} · ${entry.name}`, `text-anchor="end" fill="${COLOURS.text}"`),
    `<rect x="${LABEL}" y="${y + 6}" width="${barWidth.toFixed(1)}" height="${ROW - 12}" fill="${colour}"/>`,
    `<line x1="${goalX.toFixed(1)}" x2="${goalX.toFixed(1)}" y1="${y + 2}" y2="${y + ROW - 2}" stroke="${COLOURS.goal}" stroke-width="2" stroke-dasharray="4 2"/>`,
    text(LABEL + BAR + 12, y + 19, verdict, `fill="${colour}"`),
  ].join('\n');
}

const results = await readResults();
const rows: Row[] = results.flatMap((result) => Object.entries(result.goals).map(([name, goal]) => ({ bench: result.bench, name, goal })));
const runs = results.map((result) => `${result.bench} ${result.date}`).join(', ');
const height = HEADER + Math.max(1, rows.length) * ROW + 36;
const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="13">`,
  `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
  text(16, 24, 'Sluice benchmark goals', `font-size="17" font-weight="bold" fill="${COLOURS.text}"`),
  text(16, 44, `each row on its own scale: bar = value, dashed line = goal · runs: ${runs || 'none yet'}`, `fill="${COLOURS.muted}"`),
  ...(rows.length === 0 ? [text(16, HEADER + 20, 'no results: run npm run bench first', `fill="${COLOURS.muted}"`)] : rows.map(row)),
  text(
    16,
    height - 14,
    `machine: ${results.map((r) => `${r.bench} ${r.machine.cpus} cpus, node ${r.machine.node}`).join('; ')}`,
    `fill="${COLOURS.muted}"`,
  ),
  '</svg>',
].join('\n');
const file = join(resultsDir, 'report.svg');
await writeFile(file, `${svg}\n`);
process.stdout.write(`${rows.length} goals (${rows.filter((entry) => met(entry.goal)).length} met) drawn in ${file}\n`);
