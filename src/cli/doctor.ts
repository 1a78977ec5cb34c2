/**
 * @module `gemini-proxy doctor`: probes every key through every relay (over the key's home egress
 * proxy, when there are any) with the cheapest call (list one model), prints a table (key id, relay, verdict, latency) and exits non-zero when no
 * pair works. Never prints a key: ids, statuses and Google's reason codes only.
 */

import PQueue from 'p-queue';
import { listSourcesOf, loadLists, type ApiKey, type EgressProxy, type Relay } from '../config/lists.js';
import type { Config } from '../config/resolve.js';
import { EgressProxies } from '../upstream/egress.js';
import { classify } from '../upstream/policy.js';
import { UpstreamPools } from '../upstream/pool.js';
import { PROBE_REQUEST, PROBE_TIMEOUT_MS, probeKey } from '../upstream/prober.js';

interface Row {
  key: string;
  relay: string;
  verdict: string;
  detail: string;
  ms: number;
}

async function probe(key: ApiKey, relay: Relay, egress: EgressProxy | undefined, pools: UpstreamPools, secrets: ReadonlySet<string>): Promise<Row> {
  const started = performance.now();
  const result = await probeKey({
    pool: pools.get(relay.origin, egress), origin: relay.origin, basePath: relay.basePath, secret: key.secret,
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), secrets: () => secrets,
  });
  const ms = Math.round(performance.now() - started);
  const row = { key: key.id, relay: egress === undefined ? relay.id : `${relay.id} via ${egress.id}`, ms };
  if (result === undefined) return { ...row, verdict: 'timeout', detail: `no answer in ${PROBE_TIMEOUT_MS / 1000} s` };
  if (result.ok) return { ...row, verdict: 'ok', detail: String(result.status) };
  const verdict = classify(result.outcome, PROBE_REQUEST, Date.now());
  const detail = result.outcome.kind === 'response' ? `${result.outcome.status} ${verdict.reason}` : result.outcome.code;
  return { ...row, verdict: verdict.name, detail };
}

function table(rows: readonly Row[]): string {
  const header = { key: 'KEY', relay: 'RELAY', verdict: 'VERDICT', detail: 'DETAIL', ms: 'MS' };
  const cells = [header, ...rows].map((row) => [row.key, row.relay, row.verdict, row.detail, String(row.ms)]);
  const widths = cells[0]?.map((_, column) => Math.max(...cells.map((line) => line[column]?.length ?? 0))) ?? [];
  return cells.map((line) => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** Runs the probes; writes the table and a summary; returns the exit code. */
export async function doctor(config: Config, write: (text: string) => void): Promise<number> {
  const lists = loadLists(listSourcesOf(config));
  const pools = new UpstreamPools(config);
  const secrets = new Set(lists.keys.map((key) => key.secret));
  const queue = new PQueue({ concurrency: 4 });
  const proxies = new EgressProxies(lists.egress, { now: Date.now, onChange: () => undefined });
  const egressOf = (key: ApiKey): EgressProxy | undefined => {
    const home = proxies.home(key);
    return typeof home === 'string' ? undefined : home.proxy;
  };
  try {
    const pairs = lists.relays.flatMap((relay) => lists.keys.map((key) => ({ key, relay })));
    const rows = await Promise.all(pairs.map(({ key, relay }) => queue.add(() => probe(key, relay, egressOf(key), pools, secrets))));
    // A rate-limited key is a working key whose quota is spent for now.
    const limited = rows.filter((row) => row.verdict === 'rate-limited').length;
    const working = rows.filter((row) => row.verdict === 'ok').length + limited;
    const note = limited > 0 ? ` (${limited} rate-limited right now)` : '';
    write(`${table(rows)}\n\n${working} of ${rows.length} key and relay pairs work${note}.\n`);
    return working > 0 ? 0 : 1;
  } finally {
    await pools.destroy();
  }
}
