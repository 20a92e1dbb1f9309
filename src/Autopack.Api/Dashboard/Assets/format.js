// Numbers, times and durations as a person reads them. Times from the API are UTC ISO strings.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function number(n) {
  return integer.format(n ?? 0);
}

export function tokens(n) {
  return Math.abs(n ?? 0) < 10000 ? integer.format(n ?? 0) : compact.format(n);
}

export function percent(used, cap) {
  return cap > 0 ? (used * 100) / cap : 0;
}

export function percentText(value) {
  return `${value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(1)}%`;
}

const pad = (n) => String(n).padStart(2, '0');

/** 14:03:07 today, or 2026-11-25 14:03 on another day (local time). */
export function clock(iso, now = new Date()) {
  if (!iso) return '—';
  const t = new Date(iso);
  const time = `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
  return t.toDateString() === now.toDateString()
    ? time
    : `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

export function hourMinute(iso) {
  const t = new Date(iso);
  return `${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

/** 4s, 3m 12s, 2h 05m, 3d 4h. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** From start to end, or to the server's now while it is still going. */
export function span(startIso, endIso, nowIso) {
  if (!startIso) return null;
  const end = endIso ? new Date(endIso) : new Date(nowIso);
  return (end - new Date(startIso)) / 1000;
}

export function age(seconds) {
  return seconds < 10 ? `${seconds.toFixed(1)}s ago` : `${duration(seconds)} ago`;
}
