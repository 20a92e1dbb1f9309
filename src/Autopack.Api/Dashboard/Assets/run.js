// The run page (/dashboard/runs/{run_id}): status and actions, progress and tokens, the executor's heartbeat,
// tiers and phases, the branch and its commits, what each attempt left (diff, transcript, verify log, auditor),
// token usage over the run's life, and its events.

import { ApiError, getJson, getText } from './api.js';
import { usageChart } from './chart.js';
import { h, slot, update } from './dom.js';
import * as format from './format.js';
import {
  ACTIVE_RUN, IN_FLIGHT_PHASE, alertsList, badge, durationCell, eventsTable, progressBar, section, tickDurations, time, tokenBar,
} from './widgets.js';

const MAX_EVENTS_KEPT = 1000;

export function runPage(app, runId) {
  const encoded = encodeURIComponent(runId);
  const slots = {
    header: slot('header'),
    actions: slot('actions'),
    facts: slot('facts'),
    executor: slot('executor'),
    alerts: slot('alerts'),
    chart: slot('chart'),
    phases: slot('phases'),
    attempts: slot('attempts'),
    viewer: slot('viewer'),
    events: slot('events'),
    more: slot('more'),
  };
  const older = new Map();
  let newest = [];
  let moreOlder = false;
  let loadingOlder = false;

  const root = [
    h('p', { class: 'back' }, h('a', { href: '/dashboard' }, '← All runs')),
    h('div', { class: 'run-head' }, slots.header, slots.actions),
    h('div', { class: 'columns' },
      h('section', { class: 'panel', 'aria-labelledby': 'facts-title' }, h('h2', { id: 'facts-title' }, 'Progress'), slots.facts, slots.executor),
      h('section', { class: 'panel wide', 'aria-labelledby': 'usage-title' }, h('h2', { id: 'usage-title' }, 'Token usage over the run'), slots.chart)),
    section('Alerts for this run', 'alerts-title', slots.alerts),
    section('Tiers and phases', 'phases-title', slots.phases),
    section('Attempts', 'attempts-title', slots.attempts, slots.viewer),
    section('Events', 'events-title', slots.events, slots.more),
  ];

  function header(run) {
    return [
      h('h1', null, h('span', { class: 'muted' }, 'Run '), h('span', { class: 'run-id' }, run.run_id), ' ', badge(run.status)),
      h('p', { class: 'goal-full' }, run.goal),
      run.failure_reason ? h('p', { class: 'reason' }, h('strong', null, 'Reason: '), run.failure_reason) : null,
    ];
  }

  function actions(run) {
    if (!ACTIVE_RUN.has(run.status)) {
      return h('p', { class: 'muted small' }, 'Run ended: no actions.');
    }
    return h('div', { class: 'actions', role: 'group', 'aria-label': 'Run actions' },
      h('button', {
        type: 'button', class: 'secondary', dataset: { action: 'stop', focus: 'stop' }, 'aria-label': `Stop run ${run.run_id} gracefully`,
        on: { click: () => app.stopRun(run.run_id) },
      }, 'Stop'),
      h('button', {
        type: 'button', class: 'danger', dataset: { action: 'abort', focus: 'abort' }, 'aria-label': `Abort run ${run.run_id}`,
        on: { click: () => app.abortRun(run.run_id) },
      }, 'Abort'));
  }

  function facts(run, now) {
    const row = (label, ...value) => [h('dt', null, label), h('dd', null, value)];
    return h('dl', { class: 'facts' },
      row('Phases', progressBar(run.phases_complete, run.phases_total, `run ${run.run_id}`)),
      row('Tokens', tokenBar(run.tokens_used, run.token_cap, `run ${run.run_id}`)),
      row('Repository', run.repository ?? h('span', { class: 'muted' }, 'an empty repository initialised for the run')),
      row('Branch', h('code', null, run.branch ?? ''), run.base_commit ? h('span', { class: 'muted' }, ` from ${run.base_commit.slice(0, 12)}`) : null),
      row('Commits', run.commits.length
        ? h('ol', { class: 'commits' }, run.commits.map((c) => h('li', null, h('code', null, c.sha.slice(0, 12)), ' ', c.phase_name, ' ', h('span', { class: 'muted' }, `(${c.phase_id})`))))
        : h('span', { class: 'muted' }, 'none yet')),
      row('Created', time(run.created_at)),
      row('Started', time(run.started_at)),
      row('Finished', time(run.finished_at)),
      row('Duration', h('span', { class: 'duration', dataset: { started: run.started_at ?? '', finished: run.finished_at ?? '' } },
        format.duration(format.span(run.started_at, run.finished_at, now)))));
  }

  function executor(view) {
    if (!view) return h('p', { class: 'executor muted' }, 'No executor holds this run.');
    return h('p', { class: ['executor', view.stale ? 'stale' : null] },
      h('strong', null, 'Executor: '), `pid ${view.pid} on ${view.host}; last heartbeat `,
      h('span', { class: 'heartbeat-age' }, format.age(view.heartbeat_age_seconds)),
      view.stale ? [' ', h('span', { class: 'badge badge-bad' }, 'stale')] : null);
  }

  function phases(run, now) {
    if (!run.tiers.length) return h('p', { class: 'muted' }, 'This run has no phases.');
    return run.tiers.map((tier) => h('div', { class: 'tier' },
      h('h3', null, `Tier ${tier.position + 1}: `, tier.name),
      h('table', { class: 'phases' },
        h('caption', { class: 'visually-hidden' }, `Phases of tier ${tier.name}`),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, '#'),
          h('th', { scope: 'col' }, 'Phase'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Attempts'),
          h('th', { scope: 'col' }, 'Started'),
          h('th', { scope: 'col' }, 'Duration'),
          h('th', { scope: 'col' }, 'Tokens against phase cap'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Action')))),
        h('tbody', null, tier.phases.map((p) => h('tr', { dataset: { phaseId: p.phase_id } },
          h('td', { class: 'num' }, String(p.position)),
          h('td', null,
            h('div', { class: 'phase-name' }, p.phase_name),
            h('div', { class: 'small muted' }, h('code', null, p.phase_id), p.category ? ` · ${p.category}` : '', p.complexity ? ` · ${p.complexity}` : '', ` · ${p.provider}`),
            p.failure_reason ? h('div', { class: 'reason' }, p.failure_reason) : null),
          h('td', { class: 'phase-status' }, badge(p.status)),
          h('td', { class: 'num' }, `${p.attempts} / ${p.max_attempts}`),
          h('td', { class: 'nowrap' }, time(p.started_at)),
          durationCell(p.started_at, p.finished_at, now),
          h('td', null, tokenBar(p.tokens_used, p.token_cap, `phase ${p.phase_id}`)),
          h('td', null, IN_FLIGHT_PHASE.has(p.status) && ACTIVE_RUN.has(run.status)
            ? h('button', {
              type: 'button', class: 'small-button', dataset: { action: 'timeout', target: p.phase_id, focus: `timeout-${p.phase_id}` },
              'aria-label': `Force phase ${p.phase_id} to time out`,
              on: { click: () => app.timeoutPhase(p.phase_id) },
            }, 'Force timeout')
            : null)))))));
  }

  // A model wrote these files: they are fetched as text and shown as a text node, never parsed as HTML.
  async function show(phaseId, attempt, file) {
    update(slots.viewer, ['loading', file.url], () => h('p', { class: 'muted' }, `Loading ${file.kind} of ${phaseId} attempt ${attempt}…`));
    try {
      const text = await getText(file.url);
      update(slots.viewer, [file.url, text.length], () => [
        h('h3', null, `${phaseId} · attempt ${attempt} · ${file.kind}`, ' ', h('a', { href: file.url }, 'raw')),
        h('pre', { class: 'artifact', dataset: { kind: file.kind } }, text || '(empty)'),
      ]);
    } catch (error) {
      app.notice(`Could not load the ${file.kind}: ${error.message}`, 'error');
    }
  }

  function attempts(list) {
    if (!list.length) return h('p', { class: 'muted' }, 'No attempt has left files yet.');
    return h('ul', { class: 'attempts' }, list.map((phase) => phase.attempts.map((a) => h('li', { dataset: { phaseId: phase.phase_id, attempt: String(a.attempt) } },
      h('code', null, phase.phase_id), ` attempt ${a.attempt}: `,
      a.files.map((f) => [h('button', {
        type: 'button', class: 'small-button secondary', dataset: { action: 'show', kind: f.kind, focus: `show-${phase.phase_id}-${a.attempt}-${f.kind}` },
        'aria-label': `Show the ${f.kind} of phase ${phase.phase_id} attempt ${a.attempt}`,
        on: { click: () => show(phase.phase_id, a.attempt, f) },
      }, `${f.kind} (${format.number(f.bytes)} B)`), ' '])))));
  }

  function events() {
    const seen = new Set(newest.map((e) => e.id));
    const all = newest.concat([...older.values()].filter((e) => !seen.has(e.id))).sort((a, b) => b.id - a.id);
    return eventsTable(all, { caption: `Events of run ${runId}, newest first` });
  }

  async function loadOlder() {
    if (loadingOlder) return;
    loadingOlder = true;
    try {
      const ids = newest.map((e) => e.id).concat([...older.keys()]);
      const before = Math.min(...ids);
      const page = await getJson(`/dashboard/api/runs/${encoded}/events?before=${before}&limit=100`);
      for (const e of page.events) {
        if (older.size < MAX_EVENTS_KEPT) older.set(e.id, e);
      }
      moreOlder = page.more && older.size < MAX_EVENTS_KEPT;
      update(slots.events, [newest, older.size], events);
      update(slots.more, moreOlder, moreButton);
    } catch (error) {
      app.notice(`Could not load older events: ${error.message}`, 'error');
    } finally {
      loadingOlder = false;
    }
  }

  function moreButton(more) {
    return more
      ? h('button', { type: 'button', class: 'secondary', dataset: { focus: 'older' }, on: { click: loadOlder } }, 'Load older events')
      : null;
  }

  async function refresh() {
    let view;
    let usage;
    try {
      [view, usage] = await Promise.all([
        getJson(`/dashboard/api/runs/${encoded}`),
        getJson(`/dashboard/api/usage-over-time?run_id=${encoded}`),
      ]);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        update(slots.header, 'missing', () => [h('h1', null, 'Run not found'), h('p', null, `There is no run '${runId}' in this database.`)]);
        update(slots.actions, null, () => null);
        return;
      }
      throw error;
    }
    const run = view.run;
    app.keyRequired(view.api_key_required);
    document.title = `${run.run_id} (${run.status}) · Autopack`;
    update(slots.header, [run.run_id, run.status, run.goal, run.failure_reason], () => header(run));
    update(slots.actions, [run.run_id, run.status], () => actions(run));
    update(slots.facts, { ...run, tiers: undefined }, () => facts(run, view.generated_at));
    update(slots.executor, view.executor, executor);
    update(slots.alerts, view.alerts, (a) => alertsList(a, 'No active alerts for this run.'));
    update(slots.chart, usage, () => usageChart(usage, `Tokens used by run ${run.run_id} over its life`));
    update(slots.phases, [run.status, run.tiers], () => phases(run, view.generated_at));
    update(slots.attempts, view.attempts, attempts);
    tickDurations(slots.facts, view.generated_at);
    tickDurations(slots.phases, view.generated_at);
    newest = view.events.events;
    if (older.size === 0) moreOlder = view.events.more;
    update(slots.events, [newest, older.size], events);
    update(slots.more, moreOlder, moreButton);
  }

  return { title: `${runId} · Autopack`, className: 'run-page', root, refresh };
}
