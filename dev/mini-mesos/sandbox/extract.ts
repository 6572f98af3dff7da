/**
 * Archive extraction as the Mesos fetcher does it (src/launcher/fetcher.cpp `extract`): tar
 * archives (.tar, .tgz, .tar.gz, .tbz2, .tar.bz2, .txz, .tar.xz) and .zip are unpacked into the
 * sandbox, a bare .gz is gunzipped beside it, anything else is left as is. The archive itself
 * stays in the sandbox, as in Mesos.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { extractZip } from './zip-reader.js';

const TAR_SUFFIXES = ['.tar', '.tgz', '.tar.gz', '.tbz2', '.tar.bz2', '.txz', '.tar.xz'];
const TAR_TIMEOUT_MS = 60_000;

/** Extracts `file` into `directory` if it is an archive; returns whether it was one. */
export async function extractArchive(file: string, directory: string): Promise<boolean> {
  if (TAR_SUFFIXES.some((suffix) => file.endsWith(suffix))) {
    // GNU tar recognises the compression of an archive it reads by itself.
    await promisify(execFile)('tar', ['-xf', file, '-C', directory], { timeout: TAR_TIMEOUT_MS });
    return true;
  }
  if (file.endsWith('.zip')) {
    await extractZip(file, directory);
    return true;
  }
  if (file.endsWith('.gz')) {
    const target = path.join(directory, path.basename(file.slice(0, -'.gz'.length)));
    await pipeline(createReadStream(file), zlib.createGunzip(), createWriteStream(target));
    return true;
  }
  return false;
}
