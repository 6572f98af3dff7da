/**
 * The URI fetcher (src/launcher/fetcher.cpp): before an executor starts, each CommandInfo.URI is
 * downloaded (http/https) or copied (file:// or an absolute path) into the sandbox under its
 * basename or `output_file`; an `executable` one is made executable, otherwise an archive is
 * extracted when `extract` (default true). Any failure fails the whole launch: the agent then
 * reports TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED. No cache (`cache` is ignored).
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { CommandInfoURI } from '../../../shared/mesos/index.js';
import { extractArchive } from './extract.js';

const DOWNLOAD_TIMEOUT_MS = 60_000;

export async function fetchUris(uris: readonly CommandInfoURI[], sandbox: string): Promise<void> {
  for (const uri of uris) await fetchUri(uri, sandbox);
}

async function fetchUri(uri: CommandInfoURI, sandbox: string): Promise<void> {
  const name = uri.output_file ?? basename(uri.value);
  const target = path.resolve(sandbox, name);
  if (!target.startsWith(path.resolve(sandbox) + path.sep)) {
    throw new Error(`Failed to fetch '${uri.value}': output '${name}' is outside the sandbox`);
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    if (/^https?:\/\//i.test(uri.value)) await download(uri.value, target);
    else await fs.copyFile(localPath(uri.value), target);
  } catch (error) {
    throw new Error(`Failed to fetch '${uri.value}': ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (uri.executable === true) {
    await fs.chmod(target, 0o755);
  } else if (uri.extract !== false) {
    await extractArchive(target, path.dirname(target));
  }
}

/** Fetcher::basename: the last path segment of the URI, without query or fragment. */
function basename(value: string): string {
  const withoutQuery = value.replace(/[?#].*$/, '');
  const name = path.posix.basename(withoutQuery);
  if (name === '' || name === '.' || name === '..') throw new Error(`Failed to fetch '${value}': it names no file`);
  return name;
}

function localPath(value: string): string {
  if (value.startsWith('file://')) return fileURLToPath(value);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new Error(`the scheme of '${value}' is not supported (the mini Mesos fetches http, https, file and absolute paths)`);
  }
  if (!path.isAbsolute(value)) {
    throw new Error('A relative path was passed for the resource but the Mesos framework home was not specified');
  }
  return value;
}

async function download(url: string, target: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!response.ok || response.body === null) {
    throw new Error(`Error downloading resource, received HTTP return code ${response.status}`);
  }
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(target));
}
