import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repo } from './scheduler-command-line.js';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly name: string;
  readonly base: string;
  readonly instructions: Instruction[];
}

/** The Dockerfile's stages in order, with continuation lines joined and comments dropped. */
async function stages(): Promise<Stage[]> {
  const text = await readFile(join(repo, 'Dockerfile'), 'utf8');
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args = new Map<string, string>();
  const found: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'ARG' && found.length === 0) {
      const [name = '', value = ''] = rest.split('=');
      args.set(name, value);
    } else if (instruction.keyword === 'FROM') {
      const [base = '', , name = `stage ${found.length}`] = rest
        .replace(/\$\{(\w+)\}/g, (_, arg: string) => args.get(arg) ?? '')
        .split(/\s+/);
      found.push({ name, base, instructions: [] });
    } else {
      assert.ok(found.length > 0, `${line} comes after a FROM`);
      found.at(-1)?.instructions.push(instruction);
    }
  }
  return found;
}

/** A stage's instructions together with those of the stages it is built FROM. */
function inherited(all: Stage[], stage: Stage): Instruction[] {
  const parent = all.find((candidate) => candidate.name === stage.base);
  return [...(parent === undefined ? [] : inherited(all, parent)), ...stage.instructions];
}

function runs(instructions: Instruction[], command: RegExp): boolean {
  return instructions.some((instruction) => instruction.keyword === 'RUN' && command.test(instruction.args));
}

/** No Docker engine here: the Dockerfile is checked by reading its stages. */
describe('Dockerfile', () => {
  it('builds in one stage and runs from a slim Node 20 image with production dependencies only', async () => {
    const all = await stages();
    assert.ok(all.length >= 2, 'multi-stage');
    const build = all.find((stage) => runs(stage.instructions, /npm run build/));
    assert.ok(build, 'a stage runs npm run build');
    assert.ok(runs(build.instructions, /npm ci\b/), 'the build stage installs from the lockfile');
    const runtime = all.at(-1) as Stage;
    assert.notEqual(runtime, build, 'the image is not the build stage');
    const image = inherited(all, runtime);
    let root = runtime;
    for (let parent = all.find((stage) => stage.name === root.base); parent; parent = all.find((stage) => stage.name === root.base))
      root = parent;
    assert.match(root.base, /^node:20[\w.-]*-slim$/, 'the runtime is a slim Node 20 image');
    const copies = image.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.args);
    assert.ok(
      copies.some((args) => args.startsWith(`--from=${build.name} /src/dist `)),
      'dist/ comes from the build stage',
    );
    const depsStage = copies.map((args) => /^--from=(\S+) \S*node_modules /.exec(args)?.[1]).find(Boolean);
    const deps = all.find((stage) => stage.name === depsStage);
    assert.ok(deps && runs(deps.instructions, /npm ci --omit=dev/), 'node_modules comes from a production-only install');
    assert.ok(
      runs(deps.instructions, /npm ci .*--ignore-scripts.*&& node scripts\/patch-kafkajs\.mjs/),
      'the install that skips scripts still patches kafkajs, as postinstall does',
    );
    assert.ok(runs(image, /apt-get install .*libatomic1/), 'libatomic1 for rocksdb-native');
  });

  it('runs the sluice CLI as an unprivileged user: `docker run sluice scheduler …`', async () => {
    const all = await stages();
    const image = inherited(all, all.at(-1) as Stage);
    const last = (keyword: string): string | undefined => image.filter((instruction) => instruction.keyword === keyword).at(-1)?.args;
    const packageJson = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { bin: { sluice: string } };
    assert.equal(last('WORKDIR'), '/app');
    assert.deepEqual(
      JSON.parse(last('ENTRYPOINT') ?? 'null'),
      ['node', packageJson.bin.sluice],
      'the entrypoint is the CLI the build emits (package.json bin)',
    );
    const user = last('USER') ?? 'root';
    assert.ok(!['root', '0', '0:0'].includes(user), `the image runs as USER ${user}: expected an unprivileged user`);
  });

  it('carries the examples beside their compiled code, and the executor bundle', async () => {
    const all = await stages();
    const image = inherited(all, all.at(-1) as Stage);
    const copies = image.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.args);
    assert.ok(copies.includes('examples/ dist/examples/'), 'the job configs and modules of examples/ are in the image');
    assert.ok(
      copies.some((args) => /\/sluice-bundle\.tar\.gz \/opt\/sluice\/bundle\/sluice-bundle\.tar\.gz$/.test(args)),
      'the bundle is at /opt/sluice/bundle/',
    );
  });

  it(".dockerignore keeps this machine's node_modules and dist out of the build", async () => {
    const ignored = (await readFile(join(repo, '.dockerignore'), 'utf8')).split('\n').map((line) => line.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.cache']) assert.ok(ignored.includes(entry), `.dockerignore has ${entry}`);
  });
});
