// The dashboard's shell: picks the page from the path, polls its JSON every POLL_MS while the tab is visible,
// asks for the API key once when the server needs one, confirms and sends the operator's actions.

import { ApiError, post, storeKey, storedKey } from './api.js';
import * as format from './format.js';
import { overviewPage } from './overview.js';
import { runPage } from './run.js';

const POLL_MS = 1500;
const HIDDEN_POLL_MS = 10000;

const main = document.getElementById('main');
const live = document.getElementById('live');
const notice = document.getElementById('notice');
const keyPanel = document.getElementById('key-panel');
const keyForm = document.getElementById('key-form');
const keyInput = document.getElementById('key-input');
const keyError = document.getElementById('key-error');
const keySet = document.getElementById('key-set');
const confirmDialog = document.getElementById('confirm');

let keyIsRequired = false;
let pendingAction = null;
let timer = null;
let running = false;
let again = false;

function showNotice(text, tone = 'info') {
  notice.textContent = text;
  notice.className = `notice notice-${tone}`;
}

function renderKeyPanel(message) {
  keyPanel.hidden = !keyIsRequired;
  const key = storedKey();
  keyForm.hidden = Boolean(key);
  keySet.hidden = !key;
  keyError.textContent = message ?? '';
}

function askForKey(message) {
  keyIsRequired = true;
  renderKeyPanel(message);
  keyInput.focus();
}

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) return;
  storeKey(key);
  keyInput.value = '';
  renderKeyPanel();
  showNotice('API key set for this tab.', 'info');
  const action = pendingAction;
  pendingAction = null;
  if (action) action();
});

document.getElementById('key-forget').addEventListener('click', () => {
  storeKey(null);
  renderKeyPanel();
  keyInput.focus();
});

function confirmAction(title, text, label) {
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = label;
  confirmDialog.returnValue = '';
  return new Promise((resolve) => {
    confirmDialog.addEventListener('close', () => resolve(confirmDialog.returnValue === 'ok'), { once: true });
    confirmDialog.showModal();
  });
}

/** Confirms (when asked to), makes sure a key is at hand when the server needs one, POSTs, and says what happened. */
async function act({ confirm, path, done }) {
  if (confirm && !(await confirmAction(...confirm))) return;
  const send = async () => {
    try {
      const body = await post(path);
      showNotice(done(body), 'ok');
      refreshNow();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        storeKey(null);
        pendingAction = send;
        askForKey('The server refused the API key. Enter it again to finish the action.');
        showNotice('Action not done: the API key was missing or wrong.', 'error');
      } else {
        showNotice(`Action failed: ${error.message}`, 'error');
      }
    }
  };
  if (keyIsRequired && !storedKey()) {
    pendingAction = send;
    askForKey('Enter the API key to finish the action.');
    return;
  }
  await send();
}

const app = {
  notice: showNotice,
  keyRequired(required) {
    if (required !== keyIsRequired) {
      keyIsRequired = required;
      renderKeyPanel();
    }
  },
  refreshNow,
  stopRun: (runId) => act({
    confirm: [`Stop run ${runId}?`, 'The executor interrupts the current step, records it and marks the run PAUSED. '
      + `\`autopack execute --run-id ${runId}\` resumes it later.`, 'Stop run'],
    path: `/runs/${encodeURIComponent(runId)}/stop`,
    done: () => `Stop requested for run ${runId}: the executor pauses it at once.`,
  }),
  abortRun: (runId) => act({
    confirm: [`Abort run ${runId}?`, 'In-flight work is cancelled now and the run is marked ABORTED. An aborted run cannot be resumed.', 'Abort run'],
    path: `/runs/${encodeURIComponent(runId)}/abort`,
    done: () => `Abort requested for run ${runId}: the executor cancels its work at once.`,
  }),
  timeoutPhase: (phaseId) => act({
    confirm: [`Force phase ${phaseId} to time out?`, 'Its current attempt is cancelled now and the phase is marked TIMED_OUT; its retry policy then applies.', 'Force timeout'],
    path: `/phases/${encodeURIComponent(phaseId)}/timeout`,
    done: () => `Timeout requested for phase ${phaseId}.`,
  }),
  resetBreakers: (name) => act({
    path: name ? `/circuit-breakers/reset?name=${encodeURIComponent(name)}` : '/circuit-breakers/reset',
    done: (body) => `Reset requested for ${name ? `breaker ${name}` : `${body.requested ?? 'all'} breaker(s)`}: executors apply it at their next heartbeat.`,
  }),
};

function choosePage() {
  const prefix = '/dashboard/runs/';
  const path = location.pathname;
  if (path.startsWith(prefix) && path.length > prefix.length) {
    return runPage(app, decodeURIComponent(path.slice(prefix.length)));
  }
  return overviewPage(app);
}

const page = choosePage();
document.title = page.title;
main.className = page.className;
main.replaceChildren(...page.root);

async function refresh() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  clearTimeout(timer);
  try {
    await page.refresh();
    live.textContent = `Live: updated ${format.clock(new Date().toISOString())}`;
    live.className = 'live live-ok';
  } catch (error) {
    const detail = error instanceof ApiError && error.status === 503 ? `database not ready: ${error.message}` : `connection lost (${error.message})`;
    live.textContent = `Not live: ${detail}; retrying`;
    live.className = 'live live-error';
  } finally {
    running = false;
    if (again) {
      again = false;
      refresh();
    } else {
      timer = setTimeout(refresh, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
    }
  }
}

function refreshNow() {
  refresh();
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) refreshNow();
});

renderKeyPanel();
refresh();
