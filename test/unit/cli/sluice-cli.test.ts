import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const repo = resolve(import.meta.dirname, '../../..');

function sluice(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'bin/sluice.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' },
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('the sluice CLI', () => {
  it('lists its commands with --help, and exits 2 with the list for an unknown command', () => {
    const help = sluice('--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /Commands:\n {2}run /);
    const unknown = sluice('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command 'frobnicate'/);
  });

  it('run: prints the top words of the demo, the same every time', () => {
    const first = sluice('run', join(repo, 'examples/word-count/job.yaml'), '--show', 'word-counts', '--top', '3');
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /top 3 of 149 keys in 'word-counts':\n {2}the +68\n {2}and +19\n {2}of +13\n/);
    const second = sluice('run', join(repo, 'examples/word-count/job.yaml'), '--show', 'word-counts', '--top', '3');
    assert.equal(second.out.split('\n').slice(1).join('\n'), first.out.split('\n').slice(1).join('\n'));
  });

  it('run: exits 2 on bad arguments and 1 on a bad config, saying what is wrong', async () => {
    const noFile = sluice('run');
    assert.equal(noFile.code, 2);
    assert.match(noFile.err, /expected exactly one job config file/);
    const badTop = sluice('run', 'job.yaml', '--top', 'many');
    assert.equal(badTop.code, 2);
    assert.match(badTop.err, /--top expects a whole number >= 1, got 'many'/);
    const badFlag = sluice('run', 'job.yaml', '--kafak', 'x');
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.err, /Unknown option '--kafak'/);
    const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
    await writeFile(join(dir, 'job.yaml'), 'job:\n  name: x\ninputs: []\n');
    const badConfig = sluice('run', join(dir, 'job.yaml'));
    assert.equal(badConfig.code, 1);
    assert.match(badConfig.err, /job.module: expected a value \(this key is required\)/);
    assert.match(badConfig.err, /inputs: expected a list of at least 1, got \[\]/);
  });

  it('executor: says it is started by a Mesos agent when the MESOS_* variables are missing, and exits 2 on an argument', () => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MESOS_')));
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'bin/sluice.ts'), 'executor'], {
      encoding: 'utf8',
      env: clean,
      timeout: 60_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /MESOS_AGENT_ENDPOINT is not set: `sluice executor` is started by a Mesos agent/);
    const extra = sluice('executor', 'now');
    assert.equal(extra.code, 2);
    assert.match(extra.err, /unexpected argument 'now'/);
  });
});
