#!/usr/bin/env node
import { commands, runCli } from './cli/commands.js';
import { ExitCode } from './cli/cli.js';

const code = await runCli(process.argv.slice(2), commands);
// A failed command ends now: a library may have left timers behind that would keep the process,
// and with it a failed container's group membership, alive (kafkajs restarts a crashed consumer
// on a timer of its own, even after it was disconnected). Logs are written synchronously to pipes
// and files on Linux, so nothing is lost.
if (code !== ExitCode.ok) process.exit(code);
process.exitCode = code;
