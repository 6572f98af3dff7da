/**
 * The chart of every bench goal, as SVG text (pure: results in, text out; `bench/report.ts` does the
 * file I/O). Goals differ in unit and size by orders of magnitude (a 300× ratio beside 20 µs), so
 * each row has its own linear scale, from 0 to a bit past the largest of its values and its goal.
 * Per goal: a bar for this run with the goal as a dashed line, then the bench's last runs as dots
 * (oldest left, this run right, the goal dashed across, on a scale of their own from the lowest to
 * the highest), green met, red not met, so a regression shows as a step down (or up, for a
 * lower-is-better goal) in the dots.
 */
import { met, type BenchResult, type Goal } from './results.js';

const WIDTH = 1180;
const LABEL = 330;
const BAR = 300;
const SPARK_X = LABEL + BAR + 30;
const SPARK = 180;
const VERDICT_X = SPARK_X + SPARK + 16;
const ROW = 30;
const HEADER = 62;
const FOOTER_LINE = 17;
const COLOURS = { met: '#2e7d32', unmet: '#c62828', goal: '#212121', text: '#212121', muted: '#757575', line: '#bdbdbd' };

/** One run's value of a goal. */
export interface GoalPoint {
  readonly date: string;
  readonly goal: Goal;
}

export interface GoalRow {
  readonly bench: string;
  readonly name: string;
  /** This run's value, also the last of `runs`. */
  readonly current: Goal;
  /** The runs that measured this goal, oldest first, this run last. */
  readonly runs: readonly GoalPoint[];
}

/**
 * One row per goal of each bench's latest result, with the runs of its history that measured the
 * goal (a goal added later has fewer). The latest result is the last run even where the history
 * lacks it (a result written before histories were kept).
 */
export function goalRows(results: readonly BenchResult[], histories: ReadonlyMap<string, readonly BenchResult[]>, keep: number): GoalRow[] {
  return results.flatMap((result) => {
    const history = (histories.get(result.bench) ?? []).filter((run) => run.date !== result.date);
    const runs = [...history, result].slice(-keep);
    return Object.entries(result.goals).map(([name, current]) => ({
      bench: result.bench,
      name,
      current,
      runs: runs.flatMap((run) => {
        const goal = run.goals[name];
        return goal ? [{ date: run.date, goal }] : [];
      }),
    }));
  });
}

export function renderReport(
  results: readonly BenchResult[],
  histories: ReadonlyMap<string, readonly BenchResult[]>,
  keep: number,
): string {
  const rows = goalRows(results, histories, keep);
  const footer = results.map((result) => footerLine(result, histories.get(result.bench)?.length ?? 0));
  const height = HEADER + Math.max(1, rows.length) * ROW + 20 + Math.max(1, footer.length) * FOOTER_LINE;
  const footerTop = height - footer.length * FOOTER_LINE - 6;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(16, 24, 'Sluice benchmark goals', `font-size="17" font-weight="bold" fill="${COLOURS.text}"`),
    text(
      16,
      44,
      `each row on its own scale · bar: this run, dashed: the goal · dots: the last ${keep} runs, oldest left, zoomed to their range · green met, red not met`,
      `fill="${COLOURS.muted}"`,
    ),
    text(SPARK_X, HEADER - 4, 'history', `fill="${COLOURS.muted}" font-size="11"`),
    ...(rows.length === 0 ? [text(16, HEADER + 20, 'no results: run npm run bench first', `fill="${COLOURS.muted}"`)] : rows.map(row)),
    ...footer.map((line, index) => text(16, footerTop + (index + 1) * FOOTER_LINE, line, `fill="${COLOURS.muted}" font-size="12"`)),
    '</svg>',
    '',
  ].join('\n');
}

function row(entry: GoalRow, index: number): string {
  const { current } = entry;
  const top = HEADER + index * ROW;
  const scaleTop = Math.max(current.goal, ...entry.runs.map((run) => run.goal.value), Number.MIN_VALUE) * 1.15;
  const barScale = BAR / scaleTop;
  const goalX = LABEL + current.goal * barScale;
  const previous = entry.runs.at(-2)?.goal.value;
  const verdict =
    `${current.value} (goal ${current.better === 'higher' ? '≥' : '≤'} ${current.goal}) ${met(current) ? 'met' : 'NOT met'}` +
    (previous === undefined ? '' : `, was ${previous}`);
  return [
    text(LABEL - 10, top + 19, `${entry.bench} · ${entry.name}`, `text-anchor="end" fill="${COLOURS.text}"`),
    `<rect x="${LABEL}" y="${top + 6}" width="${fixed(Math.max(1, current.value * barScale))}" height="${ROW - 12}" fill="${colour(current)}"/>`,
    dashed(goalX, top + 2, goalX, top + ROW - 2),
    sparkline(entry.runs, top),
    text(VERDICT_X, top + 19, verdict, `fill="${colour(current)}"`),
  ].join('\n');
}

/**
 * The runs as dots joined by a grey line, with the goal dashed across, from the lowest to the highest
 * of the runs and the goal: zoomed in, so that a drop from 0.88 to 0.6 is a step, not a pixel.
 */
function sparkline(runs: readonly GoalPoint[], top: number): string {
  const bottom = top + ROW - 5;
  const span = ROW - 10;
  const values = [...runs.map((run) => run.goal.value), runs.at(-1)?.goal.goal ?? 0];
  const low = Math.min(...values);
  const range = Math.max(...values) - low || 1;
  const y = (value: number): number => bottom - ((value - low) / range) * span;
  const step = runs.length > 1 ? SPARK / (runs.length - 1) : 0;
  const x = (index: number): number => SPARK_X + (runs.length > 1 ? index * step : SPARK / 2);
  const points = runs.map((run, index) => `${fixed(x(index))},${fixed(y(run.goal.value))}`);
  const goal = runs.at(-1)?.goal.goal ?? 0;
  return [
    `<rect x="${SPARK_X - 4}" y="${top + 2}" width="${SPARK + 8}" height="${ROW - 4}" fill="#f5f5f5"/>`,
    dashed(SPARK_X - 4, y(goal), SPARK_X + SPARK + 4, y(goal)),
    runs.length > 1 ? `<polyline points="${points.join(' ')}" fill="none" stroke="${COLOURS.line}" stroke-width="1.5"/>` : '',
    ...runs.map((run, index) => {
      const last = index === runs.length - 1;
      return `<circle cx="${fixed(x(index))}" cy="${fixed(y(run.goal.value))}" r="${last ? 4 : 2.5}" fill="${colour(run.goal)}"><title>${escape(`${run.date}: ${run.goal.value}`)}</title></circle>`;
    }),
  ]
    .filter((part) => part !== '')
    .join('\n');
}

function footerLine(result: BenchResult, runs: number): string {
  const load = result.metrics.load_average_1m_at_start;
  return (
    `${result.bench}: this run ${result.date}, ${runs} run${runs === 1 ? '' : 's'} in its history, ` +
    `${result.machine.cpus} cpus, node ${result.machine.node}` +
    (load === undefined ? '' : `, load ${load} at start`)
  );
}

function colour(goal: Goal): string {
  return met(goal) ? COLOURS.met : COLOURS.unmet;
}

function dashed(x1: number, y1: number, x2: number, y2: number): string {
  return `<line x1="${fixed(x1)}" x2="${fixed(x2)}" y1="${fixed(y1)}" y2="${fixed(y2)}" stroke="${COLOURS.goal}" stroke-width="1.5" stroke-dasharray="4 2"/>`;
}

function fixed(value: number): string {
  return value.toFixed(1);
}

function escape(content: string): string {
  return content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x}" y="${y}" ${attributes}>${escape(content)}</text>`;
}
