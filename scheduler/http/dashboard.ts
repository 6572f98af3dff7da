/**
 * The dashboard: `GET /` and the script and style it loads, real files in ./dashboard/ read once
 * at start. The page loads nothing from elsewhere and its policy allows only this origin, no inline
 * code. Element ids and data-testid attributes are what the browser test reads.
 */
import { readFileSync } from 'node:fs';

export interface StaticFile {
  readonly type: string;
  readonly body: string;
}

/** No other origin, no inline script or style: only the files below and the API the script polls. */
export const DASHBOARD_POLICY = "default-src 'none'; connect-src 'self'; script-src 'self'; style-src 'self'; img-src data:";

const read = (name: string): string => readFileSync(new URL(`./dashboard/${name}`, import.meta.url), 'utf8');

/** The dashboard's files by the path they are served at. */
export const DASHBOARD_FILES: ReadonlyMap<string, StaticFile> = new Map([
  ['/', { type: 'text/html; charset=utf-8', body: read('index.html') }],
  ['/dashboard.js', { type: 'text/javascript; charset=utf-8', body: read('dashboard.js') }],
  ['/dashboard.css', { type: 'text/css; charset=utf-8', body: read('dashboard.css') }],
]);
