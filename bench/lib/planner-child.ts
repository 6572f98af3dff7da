/**
 * One plan in a process of its own (`node --expose-gc`), so its memory is measured from a
 * collected heap and is not mixed with the rest of the bench: prints one JSON line.
 * `peakRssMb` is the process's peak RSS minus its RSS just before the plan: an upper bound of
 * what the plan added (an earlier, higher peak would only make it larger).
 */
import { planOffers } from '../../scheduler/planner/index.js';
import { benchJobModel, plannerSnapshot, type PlannerSize } from './planner-scenario.js';

const [kind, containers, agents, tasks] = process.argv.slice(2);
if (kind !== 'launch' && kind !== 'steady') throw new Error(`usage: planner-child.ts launch|steady <containers> <agents> <tasks>`);
const size: PlannerSize = { containers: Number(containers), agents: Number(agents), tasks: Number(tasks) };
const model = benchJobModel(size.tasks, size.containers);
const gc = globalThis.gc;
if (gc === undefined) throw new Error('run with --expose-gc');

// A warm-up plan at a small size compiles the planner's code before anything is measured.
planOffers(plannerSnapshot({ containers: 10, agents: 10, tasks: 10 }, kind));
const snapshot = plannerSnapshot(size, kind, model);
gc();
const rssBefore = process.memoryUsage.rss();
const heapBefore = process.memoryUsage().heapUsed;
const start = performance.now();
const plan = planOffers(snapshot);
const ms = performance.now() - start;
const heapAfter = process.memoryUsage().heapUsed;
const peakRss = process.resourceUsage().maxRSS * 1024;
process.stdout.write(
  `${JSON.stringify({
    ms,
    peakRssMb: Math.max(0, peakRss - rssBefore) / 2 ** 20,
    heapGrowthMb: (heapAfter - heapBefore) / 2 ** 20,
    placed: plan.placements.length,
    declined: plan.declines.length,
  })}\n`,
);
