/**
 * The dashboard `GET /` serves: one self-contained page (inline CSS and script, no external
 * assets) that shows the job live from `/api/v1/job` and `/metrics`. Element ids and data-testid
 * attributes are what the browser test reads.
 */
import { DASHBOARD_SCRIPT } from './dashboard-script.js';

const STYLE = `
  :root { --ink: #1d2430; --muted: #6b7483; --line: #d9dee6; --panel: #f6f8fb; --accent: #2d6cdf; --good: #1d8a4e; --warn: #b7791f; --bad: #c53030; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--ink); background: #fff; }
  header { display: flex; flex-wrap: wrap; gap: 16px; align-items: baseline; padding: 12px 20px; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 18px; margin: 0; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  .muted { color: var(--muted); }
  .badge { padding: 1px 8px; border-radius: 10px; background: var(--panel); border: 1px solid var(--line); }
  .badge.leader { color: var(--good); border-color: var(--good); }
  .badge.standby { color: var(--warn); border-color: var(--warn); }
  .banner { padding: 8px 12px; border-radius: 6px; background: #fff5f5; color: var(--bad); border: 1px solid var(--bad); }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
  .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
  .panel h2 { font-size: 13px; font-weight: 600; margin: 0 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
  .figure { font-size: 26px; font-weight: 600; }
  svg { width: 100%; height: 150px; display: block; }
  svg .grid { stroke: var(--line); stroke-width: 1; }
  svg .axis, svg .empty { fill: var(--muted); font-size: 11px; }
  svg .line { fill: none; stroke: var(--accent); stroke-width: 2; }
  #hosts { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 16px; }
  .host h3 { margin: 0 0 8px; font-size: 15px; }
  .container { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin-bottom: 8px; }
  .container .head { display: flex; gap: 10px; align-items: baseline; }
  .state { font-size: 12px; padding: 0 6px; border-radius: 8px; background: var(--panel); }
  .state.running { color: var(--good); } .state.failed { color: var(--bad); } .state.pending, .state.launching, .state.killing { color: var(--warn); }
  table { width: 100%; border-collapse: collapse; margin-top: 6px; }
  th, td { text-align: left; padding: 2px 6px; border-top: 1px solid var(--line); font-size: 13px; }
  th { color: var(--muted); font-weight: 500; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .restore { display: flex; gap: 6px; align-items: center; }
  .bar { flex: 1; min-width: 60px; height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; }
  .bar .fill { height: 100%; background: var(--accent); }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0; }
  dt { color: var(--muted); } dd { margin: 0; font-variant-numeric: tabular-nums; }
`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Sluice · <span id="job">—</span></h1>
  <span id="role" class="badge">—</span>
  <span>framework <span id="framework" data-testid="framework-id">—</span> (<span id="subscribed">—</span>)</span>
  <span>job model version <span id="version" data-testid="model-version">—</span></span>
  <span id="updated" class="muted"></span>
</header>
<main>
  <div id="offline" class="banner" hidden></div>
  <div id="standby-note" class="banner" hidden>This scheduler is a standby: the leading scheduler of the job shows its containers.</div>
  <div id="errors-panel" class="banner" hidden><strong>Job errors</strong><ul id="errors" data-testid="errors"></ul></div>
  <div class="charts">
    <div class="panel">
      <h2>Throughput, messages/s</h2>
      <div class="figure" id="throughput" data-testid="throughput">—</div>
      <svg id="throughput-chart" role="img" aria-label="throughput over the last two minutes"></svg>
    </div>
    <div class="panel">
      <h2>Lag, messages</h2>
      <div class="figure" id="lag" data-testid="lag">—</div>
      <svg id="lag-chart" role="img" aria-label="lag over the last two minutes"></svg>
    </div>
    <div class="panel">
      <h2>Scheduler</h2>
      <dl>
        <dt>offers</dt><dd id="offers">—</dd>
        <dt>task updates</dt><dd id="updates">—</dd>
        <dt>launches</dt><dd id="launches">—</dd>
        <dt>memory</dt><dd id="rss">—</dd>
      </dl>
    </div>
  </div>
  <div id="hosts"></div>
</main>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
