// Token usage over time as an inline SVG column chart, drawn here (no chart library).

import { h, s } from './dom.js';
import * as format from './format.js';

const WIDTH = 720;
const HEIGHT = 220;
const MARGIN = { top: 14, right: 12, bottom: 30, left: 58 };

/** 1, 2 or 5 times a power of ten, at least n: the top of the axis. */
function niceCeiling(n) {
  if (n <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= n) return step * power;
  }
  return 10 * power;
}

function bucketLabel(seconds) {
  if (seconds < 3600) return `${seconds / 60} min`;
  if (seconds < 86400) return `${seconds / 3600} h`;
  return `${seconds / 86400} d`;
}

function pointLabel(point, timeline) {
  const end = new Date(new Date(point.start).getTime() + timeline.bucket_seconds * 1000).toISOString();
  return `${format.clock(point.start)} to ${format.clock(end)}: ${format.number(point.tokens)} tokens in ${format.number(point.calls)} call${point.calls === 1 ? '' : 's'}`;
}

/** The chart for a timeline from /dashboard/api/usage-over-time, with a title for screen readers. */
export function usageChart(timeline, caption) {
  const points = timeline.points;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const peak = points.reduce((max, p) => (p.tokens > max.tokens ? p : max), { tokens: 0, start: null });
  const top = niceCeiling(peak.tokens);
  const step = plotWidth / Math.max(points.length, 1);
  const barWidth = Math.max(1, step - (step > 4 ? 1.5 : 0.5));
  const y = (value) => MARGIN.top + plotHeight - (value / top) * plotHeight;

  const summary = timeline.total_tokens > 0
    ? `${format.number(timeline.total_tokens)} tokens in ${format.number(timeline.total_calls)} call${timeline.total_calls === 1 ? '' : 's'}; ` +
      `peak ${format.number(peak.tokens)} tokens per ${bucketLabel(timeline.bucket_seconds)} at ${format.clock(peak.start)}.`
    : 'No token usage recorded in this window.';

  // Tick labels only where there is a scale to read; small tops get a decimal (2.5), large ones are compact (1.2M).
  const grid = [0, 0.25, 0.5, 0.75, 1].map((fraction) => {
    const value = top * fraction;
    const label = value < 10 ? String(Math.round(value * 10) / 10) : format.tokens(value);
    return s('g', { class: 'tick' },
      s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value), class: fraction === 0 ? 'axis' : 'grid' }),
      fraction === 0 || peak.tokens > 0 ? s('text', { x: MARGIN.left - 8, y: y(value) + 4, 'text-anchor': 'end' }, label) : null);
  });

  const labelEvery = Math.max(1, Math.ceil(points.length / 6));
  const xLabels = points
    .map((p, i) => ({ p, i }))
    .filter(({ i }) => i % labelEvery === 0)
    .map(({ p, i }) => s('text', { x: MARGIN.left + i * step, y: HEIGHT - 10, 'text-anchor': 'start' },
      timeline.bucket_seconds >= 86400 ? format.clock(p.start).slice(0, 10) : format.hourMinute(p.start)));

  const bars = points
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.tokens > 0)
    .map(({ p, i }) => s('rect', {
      class: 'chart-bar', x: MARGIN.left + i * step, y: y(p.tokens), width: barWidth, height: Math.max(1, MARGIN.top + plotHeight - y(p.tokens)),
    }, s('title', null, pointLabel(p, timeline))));

  const id = `chart-${Math.random().toString(36).slice(2)}`;
  const svg = s('svg', {
    class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`,
  },
  s('title', { id: `${id}-title` }, caption),
  s('desc', { id: `${id}-desc` }, summary),
  grid,
  bars,
  timeline.total_tokens > 0 ? null
    : s('text', { x: MARGIN.left + plotWidth / 2, y: MARGIN.top + plotHeight / 2, 'text-anchor': 'middle', class: 'empty' }, 'No token usage in this window'),
  xLabels);

  return [svg, h('p', { class: 'chart-summary' }, summary, ` One bar per ${bucketLabel(timeline.bucket_seconds)}.`)];
}
