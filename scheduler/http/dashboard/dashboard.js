/*
 * The scheduler dashboard's script (served by scheduler/http/dashboard.ts). It polls the job state
 * and the metrics, and draws the containers per host, their tasks, and two line charts of the last
 * two minutes (throughput and lag), computed from the executors' reports in the job state. Whatever
 * is not reported shows "—". The DOM is built with textContent only: error messages and names are
 * never parsed as HTML. When the API answers 401 the page asks for the read token, keeps it in this
 * tab's sessionStorage (gone when the tab closes) and sends it as an Authorization header, never in
 * a URL, where it would end up in logs and the history.
 */
'use strict';
const POLL_MS = 1500;
const WINDOW_MS = 120000;
const DASH = '\u2014';
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Container id -> { count, at, rate } from the previous reports, for messages/s. */
const lastReports = new Map();
const history = { throughput: [], lag: [] };
const TOKEN_KEY = 'sluice.apiToken';

function el(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children || []) node.append(child);
  return node;
}

function num(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function format(value, digits) {
  return value === undefined ? DASH : value.toLocaleString('en-US', { maximumFractionDigits: digits || 0 });
}

function setText(id, value) {
  document.getElementById(id).textContent = value;
}

/** Messages/s over all reporting containers; a container whose count went down restarted. */
function throughput(containers) {
  let total;
  const seen = new Set();
  for (const container of containers) {
    const report = container.status || {};
    const count = num(report.processedTotal);
    const at = num(report.at);
    if (count === undefined || at === undefined) continue;
    seen.add(container.id);
    const previous = lastReports.get(container.id);
    let rate = previous ? previous.rate : undefined;
    if (previous && at > previous.at) rate = (count >= previous.count ? count - previous.count : count) / ((at - previous.at) / 1000);
    lastReports.set(container.id, { count: count, at: at, rate: rate });
    if (rate !== undefined) total = (total || 0) + rate;
  }
  for (const id of Array.from(lastReports.keys())) if (!seen.has(id)) lastReports.delete(id);
  return total;
}

function totalLag(containers) {
  let total;
  for (const container of containers) {
    for (const task of (container.status && container.status.tasks) || []) {
      const lag = num(task.lag);
      if (lag !== undefined) total = (total || 0) + lag;
    }
  }
  return total;
}

function record(series, value, now) {
  if (value !== undefined) series.push({ t: now, v: value });
  while (series.length > 0 && series[0].t < now - WINDOW_MS) series.shift();
}

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The smallest of 1, 2, 5 times a power of ten that is at least the value, so the gridlines read well. */
function niceCeiling(value) {
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  return [1, 2, 5, 10].map((step) => step * power).find((candidate) => candidate >= value);
}

/**
 * A line chart of the last WINDOW_MS: gridlines at 0, half and the top, newest point right. The
 * viewBox follows the drawn width, so the labels are not stretched.
 */
function drawChart(id, series, now) {
  const chart = document.getElementById(id);
  const width = Math.max(100, chart.clientWidth);
  const height = 150;
  const top = 12;
  const bottom = height - 6;
  const max = niceCeiling(Math.max(1, ...series.map((sample) => sample.v)));
  const y = (value) => bottom - (value / max) * (bottom - top);
  chart.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  chart.replaceChildren();
  for (const mark of [0, max / 2, max]) {
    chart.append(svg('line', { x1: 0, x2: width, y1: y(mark), y2: y(mark), class: 'grid' }));
    chart.append(svg('text', { x: 4, y: y(mark) - 3, class: 'axis' }, format(mark, 1)));
  }
  if (series.length === 0) {
    chart.append(
      svg('text', { x: width / 2, y: height / 2, class: 'empty', 'text-anchor': 'middle' }, 'no reports from the containers yet'),
    );
    return;
  }
  const points = series.map((sample) => ((sample.t - (now - WINDOW_MS)) / WINDOW_MS) * width + ',' + y(sample.v));
  chart.append(svg('polyline', { points: points.join(' '), class: 'line' }));
}

function restoreCell(task) {
  const restore = task.restore;
  if (restore === null) return el('span', { class: 'muted' }, ['none']);
  const done = num(restore && restore.done);
  const total = num(restore && restore.total);
  if (done === undefined || total === undefined) return DASH;
  const percent = total === 0 ? 100 : Math.min(100, (done / total) * 100);
  const how =
    restore.rebuilt === true ? ', rebuilt from the changelog' : restore.rebuilt === false ? ', the tail onto the kept local DB' : '';
  const bar = el('div', { class: 'bar', 'data-testid': 'restore', title: format(done) + ' of ' + format(total) + ' records' + how }, [
    el('div', { class: 'fill', style: 'width:' + percent.toFixed(1) + '%' }),
  ]);
  return el('div', { class: 'restore' }, [bar, el('span', {}, [percent.toFixed(0) + '%'])]);
}

function taskRows(container) {
  const tasks = container.status && Array.isArray(container.status.tasks) ? container.status.tasks : undefined;
  if (tasks === undefined)
    return [el('tr', {}, [el('td', { colspan: '5', class: 'muted' }, ['tasks: ' + DASH + ' (no report from this container yet)'])])];
  return tasks.map((task) =>
    el('tr', { 'data-testid': 'task', 'data-task': String(task.name) }, [
      el('td', {}, [String(task.name)]),
      el('td', {}, [task.state === undefined ? DASH : String(task.state)]),
      el('td', { class: 'n' }, [format(num(task.processed))]),
      el('td', { class: 'n' }, [format(num(task.lag))]),
      el('td', {}, [restoreCell(task)]),
    ]),
  );
}

/** The last of a container's consecutive failures: where, how often there, and what Mesos said. */
function describeFailure(failure) {
  const cause = failure.cause;
  let text = 'last failure on ' + failure.hostname + ' (agent ' + failure.agentId + ', ' + failure.onAgent + ' in a row there)';
  if (cause) text += ': ' + cause.state + (cause.reason ? ' (' + cause.reason + ')' : '') + (cause.message ? ': ' + cause.message : '');
  return text;
}

function containerCard(container) {
  const head = el('div', { class: 'head' }, [
    el('strong', {}, ['container ' + container.id]),
    el('span', { class: 'state ' + container.state, 'data-testid': 'container-state' }, [container.state]),
  ]);
  const facts = el('div', { class: 'muted' }, ['Mesos task ' + (container.taskId || DASH) + ' \u00b7 failures ' + container.failures]);
  const failure = container.lastFailure
    ? [el('div', { class: 'failure', 'data-testid': 'last-failure' }, [describeFailure(container.lastFailure)])]
    : [];
  if (container.away === true)
    failure.push(
      el('div', { class: 'muted', 'data-testid': 'away' }, [
        'away: lost with its agent; its tasks run from their standbys until its own copies catch up',
      ]),
    );
  const header = el(
    'tr',
    {},
    ['task', 'state', 'processed', 'lag', 'restore'].map((name) => el('th', {}, [name])),
  );
  const table = el('table', {}, [el('thead', {}, [header]), el('tbody', {}, taskRows(container))]);
  return el('div', { class: 'container', 'data-testid': 'container', 'data-container': container.id }, [
    head,
    facts,
    ...failure,
    table,
    ...standbyLine(container),
  ]);
}

/** The warm copies of other containers' tasks this one keeps, each with its lag (records its owner wrote past the copy). */
function standbyLine(container) {
  const standbys = container.status && Array.isArray(container.status.standbys) ? container.status.standbys : [];
  if (standbys.length === 0) return [];
  const items = standbys.map((standby) =>
    el('span', { 'data-testid': 'standby', 'data-task': String(standby.name) }, [
      String(standby.name) + ' (lag ' + format(num(standby.lag)) + ')',
    ]),
  );
  const joined = items.flatMap((item, index) => (index === 0 ? [item] : [', ', item]));
  return [el('div', { class: 'muted standbys' }, ['standbys: ', ...joined])];
}

function renderHosts(containers) {
  const byHost = new Map();
  for (const container of containers) {
    const host = container.host || 'not placed yet';
    if (!byHost.has(host)) byHost.set(host, []);
    byHost.get(host).push(container);
  }
  const hosts = Array.from(byHost.keys()).sort();
  const sections = hosts.map((host) =>
    el('section', { class: 'host', 'data-testid': 'host', 'data-host': host }, [
      el('h3', {}, [host]),
      ...byHost.get(host).map(containerCard),
    ]),
  );
  document.getElementById('hosts').replaceChildren(...(sections.length > 0 ? sections : [el('p', { class: 'muted' }, ['no containers'])]));
}

function renderErrors(errors) {
  const list = document.getElementById('errors');
  list.replaceChildren(
    ...errors.map((error) => el('li', {}, [(error.code ? error.code + ': ' : '') + (error.message || JSON.stringify(error))])),
  );
  document.getElementById('errors-panel').hidden = errors.length === 0;
}

/** Sums every sample of a metric in Prometheus text, or undefined when it is not there. */
function metricSum(text, name) {
  let total;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total = (total || 0) + value;
  }
  return total;
}

function renderMetrics(text) {
  setText('offers', format(metricSum(text, 'sluice_scheduler_offers_total')));
  setText('updates', format(metricSum(text, 'sluice_scheduler_task_updates_total')));
  setText('launches', format(metricSum(text, 'sluice_scheduler_launches_total')));
  const rss = metricSum(text, 'sluice_process_resident_memory_bytes');
  setText('rss', rss === undefined ? DASH : format(rss / 1048576, 0) + ' MiB');
}

function render(job, now) {
  document.title = 'Sluice \u00b7 ' + job.job;
  setText('job', job.job);
  setText('role', job.leader ? 'leader' : 'standby');
  document.getElementById('role').className = 'badge ' + (job.leader ? 'leader' : 'standby');
  setText('framework', job.frameworkId || DASH);
  setText('version', job.jobModelVersion === null ? DASH : String(job.jobModelVersion));
  setText('subscribed', job.subscribed ? 'subscribed' : 'not subscribed');
  const rate = throughput(job.containers);
  const lag = totalLag(job.containers);
  record(history.throughput, rate, now);
  record(history.lag, lag, now);
  setText('throughput', format(rate, 1));
  setText('lag', format(lag));
  drawChart('throughput-chart', history.throughput, now);
  drawChart('lag-chart', history.lag, now);
  renderHosts(job.containers);
  renderErrors(job.errors || []);
  document.getElementById('standby-note').hidden = job.leader;
}

/** The stored token as an Authorization header, or none. */
function authorization() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: 'Bearer ' + token } : {};
}

/** Asks for the token; polling resumes when it is given. */
function askForToken(refused) {
  setText('login-error', refused ? 'that token was refused' : '');
  document.getElementById('login').hidden = false;
  document.getElementById('offline').hidden = true;
  document.getElementById('token').focus();
}

document.getElementById('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('token');
  sessionStorage.setItem(TOKEN_KEY, input.value.trim());
  input.value = '';
  document.getElementById('login').hidden = true;
  poll();
});

async function poll() {
  try {
    const headers = authorization();
    const jobResponse = await fetch('api/v1/job', { headers: headers });
    if (jobResponse.status === 401) {
      const refused = sessionStorage.getItem(TOKEN_KEY) !== null;
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken(refused);
      return;
    }
    if (!jobResponse.ok) throw new Error('job state: HTTP ' + jobResponse.status);
    const [job, metrics] = await Promise.all([
      jobResponse.json(),
      fetch('metrics', { headers: headers }).then((response) => (response.ok ? response.text() : '')),
    ]);
    const now = Date.now();
    render(job, now);
    renderMetrics(metrics);
    setText('updated', 'updated ' + new Date(now).toLocaleTimeString());
    document.getElementById('offline').hidden = true;
  } catch (error) {
    setText('offline', 'the scheduler does not answer (' + error.message + '); retrying');
    document.getElementById('offline').hidden = false;
  }
  setTimeout(poll, POLL_MS);
}

poll();
