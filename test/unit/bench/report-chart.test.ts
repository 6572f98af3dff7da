import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goalRows, renderReport } from '../../../bench/lib/report-chart.js';
import { appendedHistory, type BenchResult, type Goal } from '../../../bench/lib/results.js';

function result(bench: string, day: number, goals: Record<string, Goal>): BenchResult {
  return {
    bench,
    date: `2026-12-${String(day).padStart(2, '0')}T08:00:00.000Z`,
    machine: { cpus: 2, node: 'v20.20.2' },
    metrics: { load_average_1m_at_start: 1.5 },
    goals,
  };
}

const higher = (value: number, goal: number): Goal => ({ value, goal, better: 'higher' });
const lower = (value: number, goal: number): Goal => ({ value, goal, better: 'lower' });

/** Five runs of a store bench whose restore regressed in the last one, and one older goal that was dropped. */
const storeRuns = [
  result('store', 1, { restore_vs_raw_consume: higher(0.85, 0.8), old_goal: higher(1, 1) }),
  result('store', 2, { restore_vs_raw_consume: higher(0.9, 0.8) }),
  result('store', 3, { restore_vs_raw_consume: higher(0.82, 0.8), cached_get_vs_raw: higher(300, 1) }),
  result('store', 4, { restore_vs_raw_consume: higher(0.88, 0.8), cached_get_vs_raw: higher(350, 1) }),
  result('store', 5, { restore_vs_raw_consume: higher(0.6, 0.8), cached_get_vs_raw: higher(340, 1) }),
];
const e2e = result('e2e', 5, { 'alos_cpu_us_per_msg <&>': lower(15, 20) });

describe('bench report chart', () => {
  it('gives each goal of the latest results its runs, oldest first, this run last, only runs that measured it', () => {
    const latest = storeRuns[4] as BenchResult;
    const rows = goalRows([latest, e2e], new Map([['store', storeRuns]]), 10);
    assert.deepEqual(
      rows.map((row) => [row.bench, row.name, row.runs.map((run) => run.goal.value)]),
      [
        ['store', 'restore_vs_raw_consume', [0.85, 0.9, 0.82, 0.88, 0.6]],
        ['store', 'cached_get_vs_raw', [300, 350, 340]],
        ['e2e', 'alos_cpu_us_per_msg <&>', [15]],
      ],
      'the latest run is not counted twice although the history holds it too; e2e has no history yet',
    );
    const kept = goalRows([latest], new Map([['store', storeRuns]]), 3);
    assert.deepEqual(
      kept[0]?.runs.map((run) => run.date.slice(8, 10)),
      ['03', '04', '05'],
      'only the last `keep` runs',
    );
  });

  it('draws a bar, a goal line and a dot per run for each goal, coloured by whether each run met its goal', () => {
    const svg = renderReport([storeRuns[4] as BenchResult, e2e], new Map([['store', storeRuns]]), 10);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>/);
    assert.equal((svg.match(/<circle /g) ?? []).length, 5 + 3 + 1);
    // Runs 1–4 of the restore goal met it (green), run 5 did not (red, and larger: this run).
    const restoreDots = [...svg.matchAll(/<circle [^>]*r="([\d.]+)" fill="(#[0-9a-f]+)"><title>2026-12-0\d[^:]*:00:00.000Z: (0\.\d+)</g)];
    assert.deepEqual(
      restoreDots.map(([, radius, fill, value]) => [value, fill, radius]),
      [
        ['0.85', '#2e7d32', '2.5'],
        ['0.9', '#2e7d32', '2.5'],
        ['0.82', '#2e7d32', '2.5'],
        ['0.88', '#2e7d32', '2.5'],
        ['0.6', '#c62828', '4'],
      ],
    );
    assert.match(svg, /0\.6 \(goal ≥ 0\.8\) NOT met, was 0\.88/);
    assert.match(svg, /15 \(goal ≤ 20\) met</, 'lower is better: 15 meets ≤ 20');
    assert.match(svg, /e2e · alos_cpu_us_per_msg &lt;&amp;&gt;/, 'names are escaped');
    assert.doesNotMatch(svg, /old_goal/, 'a goal the latest run no longer has is not drawn');
    assert.match(svg, /store: this run 2026-12-05T08:00:00.000Z, 5 runs in its history, 2 cpus, node v20.20.2, load 1.5 at start/);
    assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
  });

  it('says there is nothing to draw before the first run', () => {
    const svg = renderReport([], new Map(), 10);
    assert.match(svg, /no results: run npm run bench first/);
    assert.doesNotMatch(svg, /<circle /);
  });
});

describe('bench history', () => {
  it('appends a run and keeps only the last ones, oldest first, one JSON result per line', () => {
    let text = '';
    for (const run of storeRuns) text = appendedHistory(text, run, 3);
    const lines = text.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as BenchResult).date.slice(8, 10)),
      ['03', '04', '05'],
    );
    assert.ok(text.endsWith('\n'));
  });
});
