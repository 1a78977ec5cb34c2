/**
 * @module The usage families of /metrics: requests sent to Google and the tokens it counted, by
 * model and token kind. Counters of what the proxy did since it started (this process's, or
 * under `--workers` every live worker's, summed), not the usage book's hours and days, which
 * other processes' counts also reach. No per-key label: with a thousand keys that would be
 * thousands of series per model; /status has each key's usage.
 */

import { isObject } from '../protocols/shared/json.js';
import type { UsageLedger } from '../upstream/usage-ledger.js';

/** The token kinds, in the order of the counters after the requests (usage-ledger.ts ownCounters). */
const KINDS = ['prompt', 'candidates', 'thoughts', 'cached'] as const;
/** Models shown; more (only from workers that disagree on their own cap) are summed as `other`. */
const MAX_MODELS = 200;

function escape(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Every worker's counters summed by model; a value of another shape is left out. */
export function sumCounters(values: readonly unknown[]): Map<string, number[]> {
  const sums = new Map<string, number[]>();
  for (const value of values) {
    if (!isObject(value)) continue;
    for (const [name, counters] of Object.entries(value)) {
      if (!Array.isArray(counters) || counters.length !== KINDS.length + 1 || !counters.every(isCount)) continue;
      const model = sums.has(name) || sums.size < MAX_MODELS ? name : 'other';
      const sum = sums.get(model) ?? [0, 0, 0, 0, 0];
      counters.forEach((count: number, index) => {
        sum[index] = (sum[index] ?? 0) + count;
      });
      sums.set(model, sum);
    }
  }
  return sums;
}

/** The families' text (ending with a newline), or '' without a ledger. */
export async function renderUsageMetrics(ledger: UsageLedger | undefined): Promise<string> {
  if (ledger === undefined) return '';
  const sums = sumCounters(await ledger.gatherCounters());
  const lines = [
    '# HELP gemini_proxy_usage_requests_total Requests sent to Google (every attempt), by model ("none": calls without one).',
    '# TYPE gemini_proxy_usage_requests_total counter',
  ];
  const label = (model: string): string => escape(model === '' ? 'none' : model);
  for (const [model, [requests = 0]] of sums) lines.push(`gemini_proxy_usage_requests_total{model="${label(model)}"} ${requests}`);
  lines.push(
    '# HELP gemini_proxy_usage_tokens_total Tokens Google counted for the answers (usageMetadata), by model and kind.',
    '# TYPE gemini_proxy_usage_tokens_total counter',
  );
  for (const [model, counts] of sums) {
    KINDS.forEach((kind, index) => {
      lines.push(`gemini_proxy_usage_tokens_total{model="${label(model)}",kind="${kind}"} ${counts[index + 1] ?? 0}`);
    });
  }
  return `${lines.join('\n')}\n`;
}
