import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { fetchUris } from '../../../dev/mini-mesos/sandbox/fetcher.js';

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-mesos-fetch-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A minimal zip writer (deflated entries, Unix modes; the reader ignores CRCs, so they are 0). */
function buildZip(entries: Array<{ name: string; data: Buffer; mode: number }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const data = zlib.deflateRawSync(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((entry.mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

test('file paths and file:// URIs are copied; executable ones are chmod +x; output_file renames', async (t) => {
  const source = tempDir(t);
  const sandbox = tempDir(t);
  fs.writeFileSync(path.join(source, 'run.sh'), '#!/bin/sh\n');
  fs.writeFileSync(path.join(source, 'conf.json'), '{}');
  await fetchUris(
    [
      { value: path.join(source, 'run.sh'), executable: true },
      { value: pathToFileURL(path.join(source, 'conf.json')).href, output_file: 'config/job.json' },
    ],
    sandbox,
  );
  assert.equal(fs.statSync(path.join(sandbox, 'run.sh')).mode & 0o111, 0o111);
  assert.equal(fs.readFileSync(path.join(sandbox, 'config/job.json'), 'utf8'), '{}');
});

test('http downloads are extracted when they are archives (.tar.gz, .zip, .gz); extract=false keeps them packed', async (t) => {
  const source = tempDir(t);
  const sandbox = tempDir(t);
  fs.mkdirSync(path.join(source, 'bundle/bin'), { recursive: true });
  fs.writeFileSync(path.join(source, 'bundle/bin/tool'), 'tool');
  execFileSync('tar', ['-czf', path.join(source, 'bundle.tar.gz'), '-C', source, 'bundle']);
  fs.writeFileSync(path.join(source, 'lib.zip'), buildZip([{ name: 'lib/mod.js', data: Buffer.from('export {}'), mode: 0o100755 }]));
  fs.writeFileSync(path.join(source, 'notes.txt.gz'), zlib.gzipSync('notes'));
  fs.copyFileSync(path.join(source, 'bundle.tar.gz'), path.join(source, 'packed.tgz'));

  const server = http.createServer((req, res) => {
    const file = path.join(source, path.basename(new URL(req.url ?? '/', 'http://x').pathname));
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await fetchUris(
    [
      { value: `${base}/bundle.tar.gz` },
      { value: `${base}/lib.zip?version=1` },
      { value: `${base}/notes.txt.gz` },
      { value: `${base}/packed.tgz`, extract: false },
    ],
    sandbox,
  );
  assert.equal(fs.readFileSync(path.join(sandbox, 'bundle/bin/tool'), 'utf8'), 'tool');
  assert.equal(fs.readFileSync(path.join(sandbox, 'lib/mod.js'), 'utf8'), 'export {}');
  assert.equal(fs.statSync(path.join(sandbox, 'lib/mod.js')).mode & 0o777, 0o755);
  assert.equal(fs.readFileSync(path.join(sandbox, 'notes.txt'), 'utf8'), 'notes');
  assert.ok(fs.existsSync(path.join(sandbox, 'bundle.tar.gz')), 'the archive stays in the sandbox, as in Mesos');
  assert.ok(fs.existsSync(path.join(sandbox, 'packed.tgz')));

  await assert.rejects(fetchUris([{ value: `${base}/missing.tar.gz` }], sandbox), /received HTTP return code 404/);
  await assert.rejects(fetchUris([{ value: 'relative/thing.tar' }], sandbox), /framework home was not specified/);
  await assert.rejects(fetchUris([{ value: 'hdfs://nn/x.jar' }], sandbox), /is not supported/);
});

test('a zip made by the zip tool extracts too', { skip: !hasCommand('zip') && 'no zip command' }, async (t) => {
  const source = tempDir(t);
  const sandbox = tempDir(t);
  fs.mkdirSync(path.join(source, 'app'));
  fs.writeFileSync(path.join(source, 'app/a.txt'), 'a'.repeat(10_000));
  execFileSync('zip', ['-qr', 'app.zip', 'app'], { cwd: source });
  await fetchUris([{ value: path.join(source, 'app.zip') }], sandbox);
  assert.equal(fs.readFileSync(path.join(sandbox, 'app/a.txt'), 'utf8'), 'a'.repeat(10_000));
});

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
