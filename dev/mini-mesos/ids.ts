/**
 * Identifiers in Mesos's formats, so a scheduler that parses or logs them sees the real shapes:
 * framework `<masterId>-0000`, offer `<masterId>-O<n>`, agent `<masterId>-S<n>` (master.cpp
 * `newFrameworkId`, `newOfferId`, `newSlaveId`); container ids and status update uuids are
 * random UUIDs (16 bytes on the wire).
 */
import { randomUUID } from 'node:crypto';

export function newUuid(): string {
  return randomUUID();
}

/** A fresh TaskStatus.uuid: the 16 bytes of a version-4 UUID, as id::UUID::random() gives. */
export function newUuidBytes(): Buffer {
  return Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
}

/**
 * stout's UUID::fromBytes, which Mesos uses to validate acknowledgements and executor updates:
 * exactly 16 bytes with a known version (1 to 5) in the high nibble of byte 6.
 */
export function isValidUuidBytes(bytes: Uint8Array | undefined): boolean {
  if (bytes === undefined || bytes.length !== 16) return false;
  const version = (bytes[6] ?? 0) >> 4;
  return version >= 1 && version <= 5;
}

/** Hex of a status uuid, for map keys and logs. */
export function uuidKey(uuid: Uint8Array): string {
  return Buffer.from(uuid.buffer, uuid.byteOffset, uuid.byteLength).toString('hex');
}

/** Per-master counters. A restarted master gets a new id, so its ids never clash with the old one's. */
export class IdSequence {
  private frameworks = 0;
  private offers = 0;
  private agents = 0;

  constructor(readonly masterId: string) {}

  framework(): string {
    return `${this.masterId}-${String(this.frameworks++).padStart(4, '0')}`;
  }

  offer(): string {
    return `${this.masterId}-O${this.offers++}`;
  }

  agent(): string {
    return `${this.masterId}-S${this.agents++}`;
  }
}
