/**
 * @module The page's calls to the daemon: same origin only, the proxy key from this tab's
 * storage sent as a bearer header (never a cookie, so another site cannot make the browser send
 * it), JSON back. A 401 means the key is missing or wrong: the page asks for it again.
 */

import { tabStorage } from './dom.js';
import type { TrafficSnapshot } from './traffic-view.js';
import type { KeyRow, UiState } from './view.js';

const TOKEN_NAME = 'gemini-proxy.proxy-key';

/** The daemon refused the proxy key (or got none while it wants one). */
export class SignInNeeded extends Error {}

export function rememberKey(token: string): void {
  tabStorage.setItem(TOKEN_NAME, token);
}

export function forgetKey(): void {
  tabStorage.removeItem(TOKEN_NAME);
}

export function hasKey(): boolean {
  return tabStorage.getItem(TOKEN_NAME) !== null;
}

async function call(path: string, method: 'GET' | 'POST'): Promise<unknown> {
  const token = tabStorage.getItem(TOKEN_NAME);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  // The answers say `Cache-Control: no-store`: nothing is cached to ask the cache not to use.
  const response = await fetch(path, { method, headers, credentials: 'omit' });
  if (response.status === 401) throw new SignInNeeded('the proxy key was refused');
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok) throw new Error(body.error?.message ?? `the daemon answered ${response.status}`);
  return body;
}

export async function fetchState(): Promise<UiState> {
  return (await call('/ui/api/state', 'GET')) as UiState;
}

export async function fetchTraffic(): Promise<TrafficSnapshot> {
  return (await call('/ui/api/traffic', 'GET')) as TrafficSnapshot;
}

export type KeyAction = 'disable' | 'enable' | 'probe';

export interface ActionAnswer {
  readonly key: KeyRow;
  readonly probe?: { readonly result: string; readonly reason?: string };
}

export async function keyAction(id: string, action: KeyAction): Promise<ActionAnswer> {
  return (await call(`/ui/api/keys/${encodeURIComponent(id)}/${action}`, 'POST')) as ActionAnswer;
}
