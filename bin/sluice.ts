#!/usr/bin/env node
import { commands, runCli } from './cli/commands.js';

process.exitCode = await runCli(process.argv.slice(2), commands);
