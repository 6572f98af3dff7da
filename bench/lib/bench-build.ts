/**
 * The watched processes of bench:e2e and bench:peer (a container, its job, the probe, the raw
 * pipeline) run compiled, as the product runs (`node dist/bin/sluice.js`), not under tsx: tsx
 * compiles every module at start-up in an esbuild process of its own, whose CPU and memory the
 * bench would count as the container's. Compiled once per bench run by tsc (tsconfig.bench.json)
 * into .cache/bench-build, apart from the user's dist/.
 */
import { execFile } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const repo = resolve(import.meta.dirname, '../..');
const out = join(repo, '.cache/bench-build');

let built: Promise<void> | undefined;

/** Compiles the bench's processes (once per run); rejects with tsc's output when it fails. */
export function buildBenchProcesses(): Promise<void> {
  built ??= (async () => {
    process.stdout.write('compiling the watched processes (tsconfig.bench.json)…\n');
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', join(repo, 'tsconfig.bench.json')], { cwd: repo }).catch(
      (error: { stdout?: string; message: string }) => {
        throw new Error(`tsc -p tsconfig.bench.json failed: ${error.stdout || error.message}`);
      },
    );
    // What `npm run build` copies beside the compiled code.
    await cp(join(repo, 'scheduler/http/dashboard'), join(out, 'scheduler/http/dashboard'), { recursive: true });
  })();
  return built;
}

/** A compiled file of the bench build, by its source path from the repo's root (`bin/sluice.ts` → its .js). */
export function compiled(source: string): string {
  return join(out, source.replace(/\.ts$/, '.js'));
}
