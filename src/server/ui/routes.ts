/**
 * @module The operator's dashboard at `/ui`: the page and its two assets (built into the bundle,
 * see embed.mjs), and its JSON API: `GET /ui/api/state` (what /status shows, plus the server's
 * clock), `GET /ui/api/traffic` (the last hour, see ../traffic.ts) and
 * `POST /ui/api/keys/{id}/disable|enable|probe`. Keys appear only by id.
 */

import { appCss, appJs, indexHtml } from 'virtual:gemini-proxy-ui';
import { ProxyError } from '../../errors.js';
import type { LinkHealth } from '../../state/link.js';
import type { RecoveryProber } from '../../upstream/prober.js';
import type { KeyRecord, Rotator } from '../../upstream/rotator.js';
import type { ClientAuth } from '../auth.js';
import type { RequestContext } from '../context.js';
import { sendBody, sendJson } from '../respond.js';
import type { Route } from '../router.js';
import { describeKey, describeLink, describeState } from '../routes/ops.js';
import type { TrafficSnapshot } from '../traffic.js';
import { admit } from './access.js';

export interface UiDeps {
  readonly rotator: Rotator;
  readonly prober: RecoveryProber;
  /** The proxy keys: the API's bearer tokens; none configured, the dashboard is loopback only. */
  readonly auth: ClientAuth;
  readonly stateHealth: () => LinkHealth;
  readonly now: () => number;
  /**
   * The last hour of traffic: this process's, or under `--workers` every worker's added up
   * (mergeTraffic). A call apart from the state's: the state grows with the keys (hundreds of
   * kilobytes with a thousand), the traffic does not (a few), and a worker's share is gathered
   * over the cluster link, which the state does not need.
   */
  readonly traffic: () => TrafficSnapshot | Promise<TrafficSnapshot>;
}

/** Path → the asset served there. `/ui/` too, so a trailing slash does not 404. */
const ASSETS: ReadonlyMap<string, { type: string; body: string }> = new Map([
  ['/ui', { type: 'text/html; charset=utf-8', body: indexHtml }],
  ['/ui/', { type: 'text/html; charset=utf-8', body: indexHtml }],
  ['/ui/app.js', { type: 'text/javascript; charset=utf-8', body: appJs }],
  ['/ui/app.css', { type: 'text/css; charset=utf-8', body: appCss }],
]);

const KEY_ACTION = /^\/ui\/api\/keys\/([^/]+)\/([^/]+)$/;
const ACTIONS = new Set(['disable', 'enable', 'probe']);

/** Who acted, in the rotator's change events and their log lines. */
const VIA = 'ui';

function allow(ctx: RequestContext, ...methods: string[]): void {
  if (!methods.includes(ctx.method)) throw new ProxyError('GP_METHOD_NOT_ALLOWED', `${ctx.pathname} takes ${methods.join(' or ')}`);
}

/** The key named in the path; a 404 for an id no key has (or one not even percent-encoded right). */
function findKey(rotator: Rotator, encoded: string): KeyRecord {
  let id: string;
  try {
    id = decodeURIComponent(encoded);
  } catch {
    id = encoded;
  }
  const record = rotator.findKey(id);
  if (record === undefined) throw new ProxyError('GP_NOT_FOUND', 'no key has this id (see GET /ui/api/state)');
  return record;
}

async function keyAction(deps: UiDeps, ctx: RequestContext, record: KeyRecord, action: string): Promise<void> {
  const { rotator, prober, now } = deps;
  if (action === 'disable') rotator.disableByHand(record, VIA);
  if (action === 'enable') rotator.enableByHand(record, VIA);
  if (action !== 'probe') return sendJson(ctx.res, 200, { key: describeKey(rotator, record, now()) });
  const probe = await prober.probeNow(record, VIA);
  ctx.log.info({ event: 'key-probed', keyId: record.key.id, via: VIA, ...probe }, 'key probed');
  sendJson(ctx.res, 200, { key: describeKey(rotator, record, now()), probe });
}

/** A route of the dashboard. `api`: a call of the page's API, which needs the proxy key. */
function uiRoute(auth: ClientAuth, name: string, matches: (pathname: string) => boolean, api: boolean, handle: Route['handle']): Route {
  return {
    // The dashboard checks its own access, so that its answers carry its headers even when refused.
    name, protocol: 'ops', auth: false,
    matches: (_method, pathname) => matches(pathname),
    handle: (ctx) => (admit(ctx, auth, api) ? handle(ctx) : undefined),
  };
}

/** `GET /ui/api/traffic`: ahead of uiRoutes' (whose last route takes any other `/ui/` path). */
export function uiRoutes(deps: UiDeps): Route[] {
  const route = (name: string, matches: (pathname: string) => boolean, api: boolean, handle: Route['handle']): Route =>
    uiRoute(deps.auth, name, matches, api, handle);
  return [
    route('ui', (pathname) => ASSETS.has(pathname), false, (ctx) => {
      allow(ctx, 'GET', 'HEAD');
      const asset = ASSETS.get(ctx.pathname);
      if (asset !== undefined) sendBody(ctx.res, 200, { 'content-type': asset.type }, asset.body);
    }),
    route('ui-state', (pathname) => pathname === '/ui/api/state', true, (ctx) => {
      allow(ctx, 'GET', 'HEAD');
      const nowMs = deps.now();
      const body = { now: new Date(nowMs).toISOString(), ...describeState(deps.rotator, nowMs), sharedState: describeLink(deps.stateHealth()) };
      sendJson(ctx.res, 200, body);
    }),
    route('ui-key-action', (pathname) => KEY_ACTION.test(pathname), true, (ctx) => {
      allow(ctx, 'POST');
      const [, id = '', action = ''] = KEY_ACTION.exec(ctx.pathname) ?? [];
      if (!ACTIONS.has(action)) throw new ProxyError('GP_NOT_FOUND', 'a key takes disable, enable or probe');
      return keyAction(deps, ctx, findKey(deps.rotator, id), action);
    }),
    route('ui-traffic', (pathname) => pathname === '/ui/api/traffic', true, async (ctx) => {
      allow(ctx, 'GET', 'HEAD');
      sendJson(ctx.res, 200, await deps.traffic());
    }),
    // Anything else under /ui is the dashboard's 404, in JSON and with its headers.
    route('ui-unknown', (pathname) => pathname.startsWith('/ui/'), true, (ctx) => {
      throw new ProxyError('GP_NOT_FOUND', `no dashboard route for ${ctx.pathname}`);
    }),
  ];
}
