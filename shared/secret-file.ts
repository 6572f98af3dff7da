/**
 * Reading a file that holds a secret (a password, a token, a key): the config, the job model,
 * TaskInfo and logs only ever hold the file's path. An error names the file and the option or
 * config key it came from, never the file's content.
 */
import { readFile } from 'node:fs/promises';
import { SluiceError } from './errors.js';

/** The file's text, whole. `what` names it in errors, e.g. "--tls-key" or "api.tls.key-file". */
export async function readSecretFile(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SluiceError('SECRET_FILE_UNREADABLE', `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      cause: error,
      context: { file },
    });
  }
  if (text.trim() === '') throw new SluiceError('SECRET_FILE_EMPTY', `${what} ${file} is empty`, { context: { file } });
  return text;
}

/** A password file's password: its text without the trailing newline editors leave. */
export async function readPasswordFile(file: string, what: string): Promise<string> {
  return (await readSecretFile(file, what)).replace(/\r?\n$/, '');
}
