/**
 * @module The dashboard's script: sign-in, the refresh loop, the tables, the charts, the key
 * actions. Plain TypeScript, bundled by esbuild into /ui/app.js (src/server/ui/embed.mjs).
 */

import { fetchState, fetchTraffic, forgetKey, hasKey, keyAction, rememberKey, SignInNeeded, type KeyAction } from './api.js';
import { drawCharts } from './charts.js';
import { byId, page, type DomControl, type DomElement, type DomEvent } from './dom.js';
import { failureRows, type TrafficSnapshot } from './traffic-view.js';
import { escapeHtml, healthRows, keyRows, keySummary, projectRows, visibleKeys, type KeyView, type SortColumn, type UiState } from './view.js';

/**
 * Polling, not server-sent events: EventSource cannot send an Authorization header (the key
 * would have to go in the URL, and so into logs, or in a cookie), and a stream held open per tab
 * would hold the daemon's drain at shutdown. The state is one small snapshot; every few seconds
 * is fresh enough for keys that cool for a minute or more.
 */
const REFRESH_MS = 5_000;

let state: UiState | undefined;
let traffic: TrafficSnapshot | undefined;
let view: KeyView = { sort: 'id', descending: false, text: '', state: '' };
let timer: ReturnType<typeof setTimeout> | undefined;

function show(signedIn: boolean): void {
  byId('signin-view').hidden = signedIn;
  byId('dashboard').hidden = !signedIn;
  byId('signout').hidden = !signedIn || !hasKey();
}

function say(id: 'notice' | 'error' | 'signin-error', text: string): void {
  byId(id).textContent = text;
}

function renderKeys(): void {
  if (state === undefined) return;
  const nowMs = Date.parse(state.now);
  const keys = visibleKeys(state.keys, view);
  byId('keys-body').innerHTML = keyRows(keys, nowMs);
  byId('key-summary').textContent = keySummary(state.keys, keys.length);
  for (const header of byId('keys').querySelectorAll('th[data-sort]')) {
    if (header.dataset['sort'] === view.sort) header.setAttribute('aria-sort', view.descending ? 'descending' : 'ascending');
    else header.removeAttribute('aria-sort');
  }
}

function render(): void {
  if (state === undefined) return;
  const nowMs = Date.parse(state.now);
  renderKeys();
  byId('projects-body').innerHTML = projectRows(state.projects);
  byId('relays-body').innerHTML = healthRows(state.relays, nowMs, 'No relay.');
  byId('egress-body').innerHTML = healthRows(state.egress, nowMs, 'No egress proxy: connections go straight out.');
  const link = state.sharedState;
  byId('link').innerHTML = `shared state: ${escapeHtml(link.kind)} <span class="badge ${link.connected ? 'active' : 'disabled'}">${link.connected ? 'connected' : 'down'}</span>`;
  byId('updated').textContent = `updated ${new Date(nowMs).toLocaleTimeString()}`;
  if (traffic === undefined) return;
  byId('failures-body').innerHTML = failureRows(traffic.failures, traffic.nowMs);
  // Last: the charts need the dashboard shown to know their width.
  drawCharts(traffic);
}

/** Fetches the state and shows it; a refused key brings the sign-in back. */
async function refresh(): Promise<void> {
  clearTimeout(timer);
  try {
    // Two calls, not one: the state grows with the keys, the traffic with nothing (see ../routes.ts).
    [state, traffic] = await Promise.all([fetchState(), fetchTraffic()]);
    say('error', '');
    show(true);
    render();
  } catch (error) {
    if (error instanceof SignInNeeded) {
      signIn(hasKey() ? 'That proxy key was refused.' : '');
      return;
    }
    say('error', `Could not refresh: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!page.hidden) timer = setTimeout(() => void refresh(), REFRESH_MS);
}

function signIn(message: string): void {
  clearTimeout(timer);
  forgetKey();
  state = undefined;
  traffic = undefined;
  show(false);
  say('signin-error', message);
  byId('token').focus();
}

async function act(button: DomControl, id: string, action: KeyAction): Promise<void> {
  button.disabled = true;
  try {
    const answer = await keyAction(id, action);
    const probe = answer.probe === undefined ? '' : `: probe ${answer.probe.result}${answer.probe.reason ? ` (${answer.probe.reason})` : ''}`;
    say('notice', `${id} is ${answer.key.manual ? 'disabled by hand' : answer.key.state}${probe}`);
  } catch (error) {
    if (error instanceof SignInNeeded) return signIn('That proxy key was refused.');
    say('notice', `${action} ${id} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await refresh();
}

function onKeysClick(event: DomEvent): void {
  const target = event.target as DomElement;
  const sortBy = target.closest('th[data-sort]')?.dataset['sort'] as SortColumn | undefined;
  if (sortBy !== undefined) {
    view = { ...view, sort: sortBy, descending: view.sort === sortBy ? !view.descending : false };
    return renderKeys();
  }
  const button = target.closest('button[data-action]') as DomControl | null;
  const id = button?.closest('tr[data-id]')?.dataset['id'];
  const action = button?.dataset['action'] as KeyAction | undefined;
  if (button !== null && id !== undefined && action !== undefined) void act(button, id, action);
}

function wire(): void {
  byId('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<DomControl>('token');
    rememberKey(input.value);
    input.value = '';
    say('signin-error', '');
    void refresh();
  });
  byId('signout').addEventListener('click', () => signIn(''));
  // One listener for the whole table: rows come and go with every refresh.
  byId('keys').addEventListener('click', onKeysClick);
  byId('filter').addEventListener('input', () => {
    view = { ...view, text: byId<DomControl>('filter').value };
    renderKeys();
  });
  byId('state-filter').addEventListener('change', () => {
    view = { ...view, state: byId<DomControl>('state-filter').value as KeyView['state'] };
    renderKeys();
  });
  // A hidden tab stops polling; it catches up as soon as it is seen again.
  page.addEventListener('visibilitychange', () => {
    if (!page.hidden && state !== undefined) void refresh();
  });
}

wire();
void refresh();
