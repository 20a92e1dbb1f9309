// Small pieces both pages use: status badges, bars, times, the alerts list, the events table.

import { h, runHref } from './dom.js';
import * as format from './format.js';

const TONES = {
  QUEUED: 'neutral', PAUSED: 'warn', EXECUTING: 'active', CI_RUNNING: 'active', GATE: 'active',
  DONE_SUCCESS: 'good', COMPLETE: 'good', DONE_FAILED: 'bad', FAILED: 'bad', ABORTED: 'bad',
  BUDGET_EXCEEDED: 'bad', TIMED_OUT: 'warn', SKIPPED: 'neutral',
  closed: 'good', open: 'bad', isolated: 'bad', half_open: 'warn',
  NORMAL: 'good', DRAINING: 'warn', on: 'good', off: 'warn', STOPPING: 'warn',
};

export const ACTIVE_RUN = new Set(['QUEUED', 'EXECUTING', 'PAUSED']);
export const IN_FLIGHT_PHASE = new Set(['EXECUTING', 'CI_RUNNING', 'GATE']);

export function badge(status) {
  const tone = TONES[status] ?? TONES[String(status).toLowerCase()] ?? 'neutral';
  return h('span', { class: `badge badge-${tone}`, dataset: { status } }, status);
}

/** A bar with its figures beside it; role=progressbar so screen readers hear the percentage. */
export function bar(value, max, label, text, { budget = true } = {}) {
  const pct = max > 0 ? Math.min(100, (value * 100) / max) : 0;
  const raw = format.percent(value, max);
  // A budget turns amber at the alert threshold (80%) and red at its cap; progress turns green when done.
  const tone = budget ? (raw >= 100 ? 'over' : raw >= 80 ? 'warn' : 'ok') : (max > 0 && value >= max ? 'done' : 'ok');
  return h('div', { class: 'meter' },
    h('div', {
      class: `bar bar-${tone}`, role: 'progressbar', 'aria-label': label,
      'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(pct), 'aria-valuetext': text,
    }, h('div', { class: 'bar-fill', style: { width: `${pct}%` } })),
    h('span', { class: 'meter-text' }, text));
}

export function tokenBar(used, cap, what) {
  const pct = format.percent(used, cap);
  return bar(used, cap, `Tokens used by ${what}`, `${format.tokens(used)} / ${format.tokens(cap)} (${format.percentText(pct)})`);
}

export function progressBar(done, total, what) {
  return bar(done, total, `Phases complete in ${what}`, `${done} / ${total} phases`, { budget: false });
}

export function time(iso) {
  return iso ? h('time', { datetime: iso, title: iso }, format.clock(iso)) : h('span', { class: 'muted' }, '—');
}

/** A duration cell that keeps counting while the thing runs (see tickDurations), without re-rendering its table. */
export function durationCell(startedAt, finishedAt, now) {
  return h('td', { class: 'nowrap duration', dataset: { started: startedAt ?? '', finished: finishedAt ?? '' } },
    format.duration(format.span(startedAt, finishedAt, now)));
}

export function tickDurations(container, now) {
  for (const cell of container.querySelectorAll('.duration[data-started]')) {
    if (cell.dataset.started && !cell.dataset.finished) {
      cell.textContent = format.duration(format.span(cell.dataset.started, null, now));
    }
  }
}

export function alertsList(alerts, emptyText) {
  if (!alerts.length) return h('p', { class: 'muted' }, emptyText);
  return h('ul', { class: 'alerts' }, alerts.map((a) => h('li', { class: `alert alert-${a.severity}` },
    h('span', { class: 'alert-severity' }, a.severity),
    h('span', { class: 'alert-kind' }, a.kind.replaceAll('_', ' ')),
    h('span', { class: 'alert-message' }, a.message))));
}

export function eventsTable(events, { showRun = false, caption }) {
  if (!events.length) return h('p', { class: 'muted' }, 'No events yet.');
  return h('table', { class: 'events' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Time'),
      showRun ? h('th', { scope: 'col' }, 'Run') : null,
      h('th', { scope: 'col' }, 'Phase'),
      h('th', { scope: 'col' }, 'Kind'),
      h('th', { scope: 'col' }, 'Message'))),
    h('tbody', null, events.map((e) => h('tr', null,
      h('td', { class: 'nowrap' }, time(e.created_at)),
      showRun ? h('td', null, e.run_id ? h('a', { href: runHref(e.run_id) }, e.run_id) : h('span', { class: 'muted' }, '—')) : null,
      h('td', null, e.phase_id ?? h('span', { class: 'muted' }, '—')),
      h('td', null, h('code', null, e.kind)),
      h('td', { class: 'message' }, e.message)))));
}

export function section(title, id, ...content) {
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), content);
}
