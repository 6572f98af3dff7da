/**
 * The top self-time frames of a V8 CPU profile (a `.cpuprofile` from `node --cpu-prof`, as
 * `npm run bench:e2e -- --profile cpu` writes), with their share of all samples, and the same
 * grouped by package (node_modules/<name>, Sluice's own folders, node's internals, GC), and the
 * longest stretches without an idle sample (the thread never waited for I/O, so timers and
 * heartbeats waited as long) with what ran in them:
 *
 *   npx tsx bench/lib/profile-top.ts <file.cpuprofile> [count]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, countText = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
/** Self time per node id, in µs: each sample's delta goes to the frame it caught. */
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
const total = [...selfMicros.values()].reduce((sum, micros) => sum + micros, 0);

function add(into: Map<string, number>, key: string, micros: number): void {
  into.set(key, (into.get(key) ?? 0) + micros);
}

/** Where a frame's code lives: a package, a folder of Sluice, node itself, or V8's own entries. */
function placeOf(url: string, name: string): string {
  const inPackage = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
  if (inPackage) return inPackage;
  if (url.startsWith('node:')) return 'node';
  const own = url.match(/\/(executor|shared|examples|bin|bench)\//)?.[1];
  if (own) return `sluice ${own}/`;
  return url === '' ? `(${name.replace(/[()]/g, '')})` : url;
}

const frames = new Map<string, number>();
const places = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
  const where = url
    ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(executor|shared|examples|bin|bench)\//, '$1/')}:${lineNumber + 1}`
    : '';
  add(frames, `${functionName || '(anonymous)'} ${where}`.trim(), micros);
  add(places, placeOf(url, functionName), micros);
}

const percent = (micros: number) => `${((100 * micros) / total).toFixed(1).padStart(5)} %`;
const top = (map: Map<string, number>, count: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => `${percent(micros)}  ${name}`)
    .join('\n');
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nby frame (self time)\n${top(frames, Number(countText))}\n\n`);
process.stdout.write(`by place (self time)\n${top(places, 15)}\n`);

/** A frame's key in `frames` for node `id`. */
function frameOf(id: number): string {
  const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
  return `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/(executor|shared|examples|bin|bench)\//, '$1/')}:${lineNumber + 1}`;
}

const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
const stretches: { micros: number; frames: Map<string, number> }[] = [];
let current = { micros: 0, frames: new Map<string, number>() };
profile.samples.forEach((id, index) => {
  const micros = profile.timeDeltas[index] ?? 0;
  if (idle.has(id)) {
    if (current.micros > 0) stretches.push(current);
    current = { micros: 0, frames: new Map() };
    return;
  }
  current.micros += micros;
  add(current.frames, frameOf(id), micros);
});
stretches.push(current);
stretches.sort((a, b) => b.micros - a.micros);
process.stdout.write('\nlongest busy stretches\n');
for (const stretch of stretches.slice(0, 3)) {
  const inside = [...stretch.frames]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, micros]) => `${((100 * micros) / stretch.micros).toFixed(0)} % ${name}`)
    .join('; ');
  process.stdout.write(`${(stretch.micros / 1000).toFixed(0).padStart(6)} ms: ${inside}\n`);
}
