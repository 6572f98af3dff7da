/**
 * A small ZIP extractor (the Mesos fetcher extracts .zip with libarchive). It reads the central
 * directory at the end of the file and inflates each entry with zlib, so the double does not
 * depend on an `unzip` binary. Stored and deflated entries only; no ZIP64, no encryption —
 * enough for the archives a test builds. Unix permission bits and symlinks are kept.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
  /** Unix st_mode from the external attributes, or undefined for archives made elsewhere. */
  mode: number | undefined;
}

export async function extractZip(file: string, destination: string): Promise<void> {
  const data = await fs.readFile(file);
  const root = path.resolve(destination);
  for (const entry of centralDirectory(data, file)) {
    const target = path.resolve(root, entry.name);
    if (target !== root && !target.startsWith(root + path.sep)) {
      throw new Error(`zip entry '${entry.name}' in ${file} points outside the sandbox`);
    }
    if (entry.name.endsWith('/')) {
      await fs.mkdir(target, { recursive: true });
      continue;
    }
    const content = entryData(data, entry, file);
    await fs.mkdir(path.dirname(target), { recursive: true });
    if (entry.mode !== undefined && (entry.mode & S_IFMT) === S_IFLNK) {
      await fs.symlink(content.toString('utf8'), target);
      continue;
    }
    await fs.writeFile(target, content);
    if (entry.mode !== undefined && (entry.mode & 0o777) !== 0) await fs.chmod(target, entry.mode & 0o777);
  }
}

function centralDirectory(data: Buffer, file: string): Entry[] {
  const eocd = findEndOfCentralDirectory(data, file);
  const count = data.readUInt16LE(eocd + 10);
  let offset = data.readUInt32LE(eocd + 16);
  const entries: Entry[] = [];
  for (let index = 0; index < count; index++) {
    if (offset + 46 > data.length || data.readUInt32LE(offset) !== CENTRAL_SIGNATURE) {
      throw new Error(`${file}: corrupt zip central directory at entry ${index}`);
    }
    const nameLength = data.readUInt16LE(offset + 28);
    const extraLength = data.readUInt16LE(offset + 30);
    const commentLength = data.readUInt16LE(offset + 32);
    const madeBy = data.readUInt16LE(offset + 4) >> 8;
    entries.push({
      name: data.toString('utf8', offset + 46, offset + 46 + nameLength),
      method: data.readUInt16LE(offset + 10),
      compressedSize: data.readUInt32LE(offset + 20),
      localOffset: data.readUInt32LE(offset + 42),
      mode: madeBy === UNIX_HOST ? data.readUInt32LE(offset + 38) >>> 16 : undefined,
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function findEndOfCentralDirectory(data: Buffer, file: string): number {
  const lowest = Math.max(0, data.length - EOCD_SIZE - MAX_COMMENT);
  for (let offset = data.length - EOCD_SIZE; offset >= lowest; offset--) {
    if (data.readUInt32LE(offset) === EOCD_SIGNATURE) return offset;
  }
  throw new Error(`${file} is not a zip archive (no end of central directory record)`);
}

function entryData(data: Buffer, entry: Entry, file: string): Buffer {
  const local = entry.localOffset;
  if (local + 30 > data.length || data.readUInt32LE(local) !== LOCAL_SIGNATURE) {
    throw new Error(`${file}: corrupt local header for '${entry.name}'`);
  }
  const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
  const raw = data.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(raw);
  if (entry.method === 8) return zlib.inflateRawSync(raw);
  throw new Error(`${file}: entry '${entry.name}' uses compression method ${entry.method}; only stored and deflate are supported`);
}
