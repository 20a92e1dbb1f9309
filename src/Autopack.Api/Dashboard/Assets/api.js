// The JSON endpoints, and the API key kept for this tab (sessionStorage) and sent as X-API-Key on actions.

const KEY_STORAGE = 'autopack.apiKey';

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
  }
}

export function storedKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || null;
  } catch {
    return null;
  }
}

export function storeKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage refused (private mode): the key then lasts until the page is left.
  }
}

async function failure(response) {
  let title = response.statusText;
  let detail = '';
  try {
    const problem = await response.json();
    title = problem.title || title;
    detail = problem.detail || '';
  } catch {
    // Not problem details: the status says enough.
  }
  return new ApiError(response.status, title, detail);
}

export async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** A plain-text file (an attempt's diff, transcript, verify log or auditor's reply): returned as a string, shown as text. */
export async function getText(path) {
  const response = await fetch(path, { headers: { Accept: 'text/plain' }, cache: 'no-store' });
  if (!response.ok) throw await failure(response);
  return response.text();
}

export async function post(path) {
  const headers = { Accept: 'application/json' };
  const key = storedKey();
  if (key) headers['X-API-Key'] = key;
  const response = await fetch(path, { method: 'POST', headers, cache: 'no-store' });
  if (!response.ok) throw await failure(response);
  try {
    return await response.json();
  } catch {
    return {};
  }
}
