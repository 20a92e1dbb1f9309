// The runs page (/dashboard): alerts, token usage chart, the queue, breakers, executors, the runs list, recent events.

import { getJson } from './api.js';
import { usageChart } from './chart.js';
import { h, runHref, slot, update } from './dom.js';
import * as format from './format.js';
import { alertsList, badge, durationCell, eventsTable, progressBar, section, tickDurations, time, tokenBar } from './widgets.js';

const WINDOWS = [['1h', 'Last hour'], ['6h', 'Last 6 hours'], ['24h', 'Last 24 hours']];
const PAGE_SIZE = 25;

export function overviewPage(app) {
  const params = new URLSearchParams(location.search);
  const state = {
    status: params.get('status') ?? '',
    offset: Math.max(0, Number.parseInt(params.get('offset') ?? '0', 10) || 0),
    window: WINDOWS.some(([w]) => w === params.get('window')) ? params.get('window') : '1h',
  };
  const slots = {
    heading: slot('heading', 'p'),
    alerts: slot('alerts'),
    chart: slot('chart'),
    queue: slot('queue'),
    breakers: slot('breakers'),
    executors: slot('executors'),
    filters: slot('filters'),
    runs: slot('runs'),
    pager: slot('pager'),
    events: slot('events'),
  };
  const windowButtons = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Chart window' });

  function keepInUrl() {
    const query = new URLSearchParams();
    if (state.status) query.set('status', state.status);
    if (state.offset) query.set('offset', String(state.offset));
    if (state.window !== '1h') query.set('window', state.window);
    const search = query.toString();
    history.replaceState(null, '', search ? `/dashboard?${search}` : '/dashboard');
  }

  function renderWindowButtons() {
    windowButtons.replaceChildren(...WINDOWS.map(([value, label]) => h('button', {
      type: 'button', 'aria-pressed': String(state.window === value), title: label,
      on: { click: () => { state.window = value; keepInUrl(); renderWindowButtons(); app.refreshNow(); } },
    }, value)));
  }
  renderWindowButtons();

  const root = [
    h('div', { class: 'page-head' }, h('h1', null, 'Runs'), slots.heading),
    section('Alerts', 'alerts-title', slots.alerts),
    h('div', { class: 'columns' },
      h('section', { class: 'panel wide', 'aria-labelledby': 'usage-title' },
        h('div', { class: 'panel-head' }, h('h2', { id: 'usage-title' }, 'Token usage, all runs'), windowButtons),
        slots.chart),
      h('div', { class: 'stack' },
        section('Queue', 'queue-title', slots.queue),
        section('Circuit breakers', 'breakers-title', slots.breakers),
        section('Executors', 'executors-title', slots.executors))),
    h('section', { class: 'panel', 'aria-labelledby': 'runs-title' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'runs-title' }, 'All runs'), slots.filters),
      slots.runs,
      slots.pager),
    section('Recent events', 'events-title', slots.events),
  ];

  function filters(summary) {
    const counts = summary.status_counts;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const chip = (value, label, count) => h('button', {
      type: 'button', class: 'chip', 'aria-pressed': String(state.status === value), dataset: { focus: `filter-${value}` },
      on: { click: () => { state.status = value; state.offset = 0; keepInUrl(); app.refreshNow(); } },
    }, label, ' ', h('span', { class: 'chip-count' }, format.number(count)));
    return h('div', { class: 'chips', role: 'group', 'aria-label': 'Filter runs by status' },
      chip('', 'All', total),
      Object.entries(counts).filter(([, n]) => n > 0 || state.status).map(([name, n]) => chip(name, name, n)));
  }

  function runsTable(page, now) {
    if (!page.runs.length) {
      return h('p', { class: 'muted' }, state.status ? `No run is ${state.status}.` : 'No runs yet. Create one with POST /runs or autopack runs create --file plan.json.');
    }
    return h('table', { class: 'runs' },
      h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Run'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Progress'),
        h('th', { scope: 'col' }, 'Tokens against cap'),
        h('th', { scope: 'col' }, 'Created'),
        h('th', { scope: 'col' }, 'Duration'))),
      h('tbody', null, page.runs.map((run) => h('tr', { dataset: { runId: run.run_id } },
        h('td', { class: 'run-cell' },
          h('a', { href: runHref(run.run_id), class: 'run-link' }, run.run_id),
          h('div', { class: 'goal', title: run.goal }, run.goal),
          run.failure_reason ? h('div', { class: 'reason' }, run.failure_reason) : null),
        h('td', null, badge(run.status)),
        h('td', null, progressBar(run.phases_complete, run.phases_total, `run ${run.run_id}`)),
        h('td', null, tokenBar(run.tokens_used, run.token_cap, `run ${run.run_id}`)),
        h('td', { class: 'nowrap' }, time(run.created_at)),
        durationCell(run.started_at, run.finished_at, now)))));
  }

  function pager(page) {
    if (page.total <= page.limit && page.offset === 0) {
      return h('p', { class: 'muted small' }, `${format.number(page.total)} run${page.total === 1 ? '' : 's'}`);
    }
    const first = page.total === 0 ? 0 : page.offset + 1;
    const last = Math.min(page.offset + page.runs.length, page.total);
    const go = (offset) => () => { state.offset = Math.max(0, offset); keepInUrl(); app.refreshNow(); };
    return h('nav', { class: 'pager', 'aria-label': 'Pages of runs' },
      h('button', { type: 'button', disabled: page.offset === 0, dataset: { focus: 'prev' }, on: { click: go(page.offset - page.limit) } }, '← Newer'),
      h('span', null, `${format.number(first)}–${format.number(last)} of ${format.number(page.total)}`),
      h('button', { type: 'button', disabled: last >= page.total, dataset: { focus: 'next' }, on: { click: go(page.offset + page.limit) } }, 'Older →'));
  }

  function breakers(list) {
    if (!list.length) return h('p', { class: 'muted' }, 'No breaker published yet: executors publish theirs while they run.');
    return [
      h('table', { class: 'compact' },
        h('caption', { class: 'visually-hidden' }, 'Circuit breakers'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Provider'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Failures'),
          h('th', { scope: 'col' }, 'Updated'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Action')))),
        h('tbody', null, list.map((b) => h('tr', null,
          h('td', null, b.name),
          h('td', null, badge(b.state), b.reset_pending ? h('div', { class: 'small muted' }, 'reset requested') : null,
            b.opened_at && b.state !== 'closed' ? h('div', { class: 'small muted' }, 'since ', time(b.opened_at)) : null),
          h('td', { class: 'num' }, format.number(b.failure_count)),
          h('td', { class: 'nowrap' }, time(b.updated_at)),
          h('td', null, h('button', {
            type: 'button', class: 'small-button', dataset: { action: 'reset-breaker', target: b.name, focus: `reset-${b.name}` },
            'aria-label': `Reset circuit breaker ${b.name}`,
            on: { click: () => app.resetBreakers(b.name) },
          }, 'Reset')))))),
      h('button', {
        type: 'button', class: 'secondary', dataset: { action: 'reset-breakers', focus: 'reset-all' },
        on: { click: () => app.resetBreakers(null) },
      }, 'Reset all breakers'),
    ];
  }

  function queue(q) {
    const onOff = (on) => badge(on ? 'on' : 'off');
    const facts = h('dl', { class: 'facts', dataset: { queueMode: q.mode } },
      h('dt', null, 'Mode'), h('dd', null, badge(q.mode), q.drained ? h('span', { class: 'small muted' }, ' drained: nothing executing') : null),
      h('dt', null, 'Dispatch'), h('dd', null, onOff(q.dispatch)),
      h('dt', null, 'Executing'), h('dd', { class: 'num' }, format.number(q.executing),
        q.executing_limit === null ? ' (no limit)' : ` of ${format.number(q.executing_limit)}`),
      h('dt', null, 'Queued'), h('dd', { class: 'num' }, format.number(q.queued),
        q.oldest_queued_age_seconds === null ? null : h('span', { class: 'small muted' }, ` oldest created ${format.age(q.oldest_queued_age_seconds)}`)),
      q.awaiting_takeover ? [h('dt', null, 'Awaiting takeover'), h('dd', { class: 'num' }, format.number(q.awaiting_takeover))] : null,
      h('dt', null, 'Dispatch possible'), h('dd', null, q.dispatch_possible ? 'yes' : `no: ${q.dispatch_refusal}`));
    const workers = q.workers.length
      ? h('table', { class: 'compact' },
        h('caption', { class: 'visually-hidden' }, 'Workers and their heartbeats'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Worker'), h('th', { scope: 'col' }, 'Runs'), h('th', { scope: 'col' }, 'Heartbeat'))),
        h('tbody', null, q.workers.map((w) => h('tr', null,
          h('td', null, `pid ${w.pid} on ${w.host}`, w.state === 'RUNNING' ? null : [' ', badge(w.state)]),
          h('td', { class: 'num' }, `${w.claimed_runs} / ${w.concurrency}`),
          h('td', { class: 'nowrap' }, format.age(w.heartbeat_age_seconds), w.stale ? [' ', h('span', { class: 'badge badge-bad' }, 'stale')] : null)))))
      : h('p', { class: 'muted' }, 'No worker: start one with autopack worker.');
    return [facts, workers];
  }

  function executors(list) {
    if (!list.length) return h('p', { class: 'muted' }, 'No executor holds a run.');
    return h('table', { class: 'compact' },
      h('caption', { class: 'visually-hidden' }, 'Executors and their heartbeats'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Run'), h('th', { scope: 'col' }, 'Process'), h('th', { scope: 'col' }, 'Heartbeat'))),
      h('tbody', null, list.map((e) => h('tr', null,
        h('td', null, h('a', { href: runHref(e.run_id) }, e.run_id)),
        h('td', null, `pid ${e.pid} on ${e.host}`),
        h('td', { class: 'nowrap' }, format.age(e.heartbeat_age_seconds), e.stale ? [' ', h('span', { class: 'badge badge-bad' }, 'stale')] : null)))));
  }

  async function refresh() {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(state.offset) });
    if (state.status) query.set('status', state.status);
    const [summary, usage] = await Promise.all([
      getJson(`/dashboard/api/summary?${query}`),
      getJson(`/dashboard/api/usage-over-time?window=${encodeURIComponent(state.window)}`),
    ]);
    app.keyRequired(summary.api_key_required);
    const counts = summary.status_counts;
    const active = (counts.EXECUTING ?? 0) + (counts.QUEUED ?? 0) + (counts.PAUSED ?? 0);
    update(slots.heading, [summary.runs.total, active, state.status, summary.alerts.length],
      () => `${format.number(Object.values(counts).reduce((a, b) => a + b, 0))} runs, ${format.number(active)} active` +
        ` (queued, executing or paused); ${summary.alerts.length ? `${summary.alerts.length} active alert${summary.alerts.length === 1 ? '' : 's'}` : 'no alerts'}.`);
    update(slots.alerts, summary.alerts, (a) => alertsList(a, 'No active alerts.'));
    update(slots.chart, [usage, state.window], () => usageChart(usage, `Tokens used by all runs, ${WINDOWS.find(([w]) => w === state.window)[1].toLowerCase()}`));
    update(slots.queue, summary.queue, queue);
    update(slots.breakers, summary.circuit_breakers, breakers);
    update(slots.executors, summary.executors, executors);
    update(slots.filters, [counts, state.status], () => filters(summary));
    update(slots.runs, summary.runs, () => runsTable(summary.runs, summary.generated_at));
    tickDurations(slots.runs, summary.generated_at);
    update(slots.pager, summary.runs.total + '/' + summary.runs.offset + '/' + summary.runs.runs.length, () => pager(summary.runs));
    update(slots.events, summary.recent_events, (events) => eventsTable(events, { showRun: true, caption: 'Newest events of all runs' }));
  }

  return { title: 'Runs · Autopack', className: 'overview-page', root, refresh };
}
