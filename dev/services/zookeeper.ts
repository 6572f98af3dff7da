/** A standalone ZooKeeper server on 127.0.0.1, from its Maven Central jars, in its own JVM and temp data dir. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureJars } from './jars.js';
import { Deadline, fourLetterWord, freePort, LOOPBACK, pollUntil } from './net.js';
import { ServiceProcess } from './process.js';
import type { InfraSettings } from './settings.js';
import { closeZk, connectZk } from './zk.js';

export interface RunningZooKeeper {
  version: string;
  /** host:port connect string. */
  connect: string;
  logFile: string;
  /** Milliseconds from JVM start until a client session works. */
  timings: { startMs: number };
  tail(lines?: number): string;
  stop(): Promise<void>;
}

/** `port`: the client port (default: a free one). */
export async function startZooKeeper(settings: InfraSettings, port?: number): Promise<RunningZooKeeper> {
  const version = settings.zkVersion;
  const jars = await ensureJars('zookeeper', version, settings);

  const started = Date.now();
  const clientPort = port ?? (await freePort());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-zk-'));
  const config = path.join(dataDir, 'zoo.cfg');
  fs.writeFileSync(
    config,
    [
      'tickTime=2000',
      `dataDir=${path.join(dataDir, 'data')}`,
      `clientPort=${clientPort}`,
      `clientPortAddress=${LOOPBACK}`,
      'maxClientCnxns=0',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr',
      '',
    ].join('\n'),
  );
  fs.mkdirSync(settings.logDir, { recursive: true });
  const logFile = path.join(settings.logDir, 'zookeeper.log');
  fs.writeFileSync(logFile, '');
  const proc = new ServiceProcess(
    'zookeeper',
    'java',
    [
      '-Xmx128m',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.net.preferIPv4Stack=true',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
      '-cp',
      `${jars.dir}/*`,
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      config,
    ],
    logFile,
    { cwd: dataDir },
  );

  const stop = async (): Promise<void> => {
    try {
      await proc.stop();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };

  const connect = `${LOOPBACK}:${clientPort}`;
  try {
    const deadline = new Deadline(settings.startTimeoutMs, 'zookeeper');
    const abort = (): string | undefined => proc.exitDescription();
    await pollUntil(
      deadline,
      `ZooKeeper ${version} on ${connect} (srvr)`,
      async () => ((await fourLetterWord(clientPort, 'srvr')).includes('Mode: standalone') ? true : undefined),
      { abort, intervalMs: 100 },
    );
    // A real client session, the way Sluice will use it.
    await pollUntil(
      deadline,
      `ZooKeeper ${version} on ${connect} (client session)`,
      async () => {
        const client = await connectZk(connect, { connectTimeoutMs: Math.min(10_000, deadline.remainingMs()) });
        await closeZk(client);
        return true;
      },
      { abort },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const tail = proc.tail(40);
    await stop();
    throw new Error(`ZooKeeper did not start: ${message}\n--- last lines of ${logFile} ---\n${tail}`);
  }

  return {
    version,
    connect,
    logFile,
    timings: { startMs: Date.now() - started },
    tail: (lines) => proc.tail(lines),
    stop,
  };
}
