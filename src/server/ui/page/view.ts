/**
 * @module What the dashboard shows, as HTML text: pure functions of the state `/ui/api/state`
 * returned (no DOM, so Node tests run them). Every value is escaped; keys appear only by id.
 */

export type KeyStateName = 'active' | 'cooling' | 'disabled';

/** A key's usage over a period (src/server/routes/ops.ts describeKey). */
export interface UsageTotals {
  readonly requests: number;
  /** Attempt verdict → failed attempts. */
  readonly failures: Readonly<Record<string, number>>;
  readonly promptTokens: number;
  readonly candidatesTokens: number;
  readonly thoughtsTokens: number;
  readonly cachedTokens: number;
}

export interface KeyUsage {
  readonly hour: UsageTotals;
  /** Since midnight Pacific time, when Google's daily quotas reset. */
  readonly day: UsageTotals;
}

export interface KeyRow {
  readonly id: string;
  readonly project?: string;
  readonly egress?: string;
  readonly state: KeyStateName;
  readonly reason?: string;
  readonly disabledAt?: string;
  readonly manual?: boolean;
  /** Model (or `*`) → ISO time the cooling ends. */
  readonly coolingUntil?: Record<string, string>;
  readonly attempts: number;
  readonly failures: number;
  /** Absent from a daemon that does not count usage: the cells say `—`. */
  readonly usage?: KeyUsage;
}

export interface HealthRow {
  readonly id: string;
  readonly kind?: string;
  readonly keys?: number;
  readonly state: string;
  readonly unhealthyUntil?: string;
  readonly reason?: string;
  readonly consecutiveFailures: number;
  readonly attempts: number;
  readonly failures: number;
}

export interface ProjectRow {
  readonly id: string;
  readonly keys: readonly string[];
  readonly learned?: readonly string[];
  readonly sharedQuota?: boolean;
}

export interface UiState {
  readonly now: string;
  readonly keys: readonly KeyRow[];
  readonly projects: readonly ProjectRow[];
  readonly relays: readonly HealthRow[];
  readonly egress: readonly HealthRow[];
  readonly sharedState: { readonly kind: string; readonly connected: boolean; readonly since: string };
}

/** The usage columns sort by today's numbers. */
export type SortColumn = 'id' | 'project' | 'state' | 'until' | 'reason' | 'attempts' | 'failures' | 'requests' | 'failed' | 'input' | 'output';
export interface KeyView {
  readonly sort: SortColumn;
  readonly descending: boolean;
  /** Case-insensitive text looked for in the id, project, reason and cooling models. */
  readonly text: string;
  /** '' for every state; `manual` for keys disabled by hand. */
  readonly state: '' | KeyStateName | 'manual';
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** The moment a key is next usable (cooling) or went out (disabled), epoch ms; 0 for active. */
function untilMs(key: KeyRow): number {
  if (key.state === 'disabled') return Date.parse(key.disabledAt ?? '') || 0;
  const ends = Object.values(key.coolingUntil ?? {}).map((iso) => Date.parse(iso));
  return ends.length === 0 ? 0 : Math.min(...ends);
}

const STATE_ORDER: Record<KeyStateName, number> = { active: 0, cooling: 1, disabled: 2 };

function sortValue(key: KeyRow, column: SortColumn): string | number {
  switch (column) {
    case 'state': return STATE_ORDER[key.state] * 2 + (key.manual ? 1 : 0);
    case 'until': return untilMs(key);
    case 'attempts': return key.attempts;
    case 'failures': return key.failures;
    case 'requests': case 'failed': case 'input': case 'output': return key.usage === undefined ? -1 : USAGE_FIGURES[column](key.usage.day);
    default: return key[column] ?? '';
  }
}

/** The keys the view shows, in its order (ties keep the proxy's order). */
export function visibleKeys(keys: readonly KeyRow[], view: KeyView): KeyRow[] {
  const text = view.text.trim().toLowerCase();
  const shown = keys.filter((key) => {
    if (view.state === 'manual' ? !key.manual : view.state !== '' && key.state !== view.state) return false;
    if (text === '') return true;
    const haystack = [key.id, key.project, key.egress, key.reason, ...Object.keys(key.coolingUntil ?? {})].join(' ').toLowerCase();
    return haystack.includes(text);
  });
  const sign = view.descending ? -1 : 1;
  return shown
    .map((key, index) => ({ key, index, value: sortValue(key, view.sort) }))
    .sort((a, b) => (a.value < b.value ? -sign : a.value > b.value ? sign : a.index - b.index))
    .map(({ key }) => key);
}

/** "in 37 s", "5 min ago": how far `iso` is from the server's `nowMs`. */
export function relative(iso: string, nowMs: number): string {
  const ms = Date.parse(iso) - nowMs;
  const seconds = Math.round(Math.abs(ms) / 1000);
  const amount = seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`;
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
}

function timeCell(iso: string, nowMs: number, label: string): string {
  return `<time datetime="${escapeHtml(iso)}" title="${escapeHtml(iso)}">${escapeHtml(label)}${escapeHtml(relative(iso, nowMs))}</time>`;
}

function untilCell(key: KeyRow, nowMs: number): string {
  if (key.state === 'disabled') return key.disabledAt === undefined ? '' : timeCell(key.disabledAt, nowMs, 'since ');
  return Object.entries(key.coolingUntil ?? {})
    .map(([model, iso]) => `<div>${escapeHtml(model)}: ${timeCell(iso, nowMs, '')}</div>`)
    .join('');
}

function stateBadge(key: KeyRow): string {
  const label = key.manual ? 'disabled by hand' : key.state;
  return `<span class="badge ${key.manual ? 'manual' : key.state}">${escapeHtml(label)}</span>`;
}

function actions(key: KeyRow): string {
  const buttons = [
    key.manual ? '' : '<button type="button" data-action="disable">Disable</button>',
    key.state === 'disabled' ? '<button type="button" data-action="enable">Enable</button>' : '',
    '<button type="button" data-action="probe">Probe</button>',
  ];
  return buttons.join('');
}

/** What each usage column shows of a period. Output is what Google bills as such: the answer and its thoughts. */
const USAGE_FIGURES = {
  requests: (totals: UsageTotals) => totals.requests,
  failed: (totals: UsageTotals) => Object.values(totals.failures).reduce((sum, count) => sum + count, 0),
  input: (totals: UsageTotals) => totals.promptTokens,
  output: (totals: UsageTotals) => totals.candidatesTokens + totals.thoughtsTokens,
} as const;
type UsageColumn = keyof typeof USAGE_FIGURES;

/** 999, 1.2k, 34k, 1.2M: counts that fit a narrow cell. */
export function compact(count: number): string {
  const [scaled, unit] = count >= 1e9 ? [count / 1e9, 'G'] : count >= 1e6 ? [count / 1e6, 'M'] : count >= 1e3 ? [count / 1e3, 'k'] : [count, ''];
  return `${scaled >= 10 || unit === '' ? Math.round(scaled) : scaled.toFixed(1).replace(/\.0$/, '')}${unit}`;
}

function byVerdict(failures: Readonly<Record<string, number>>): string {
  return Object.entries(failures).filter(([, count]) => count > 0).map(([verdict, count]) => `${verdict} ${count}`).join(', ');
}

/** "this hour / today" (the clock hour, the Pacific day), the detail in a tooltip, today's failures by verdict below. */
function usageCell(usage: KeyUsage | undefined, column: UsageColumn): string {
  if (usage === undefined) return '<td class="num usage">—</td>';
  const [hour, day] = [USAGE_FIGURES[column](usage.hour), USAGE_FIGURES[column](usage.day)];
  const detail = column === 'failed' ? `this hour: ${byVerdict(usage.hour.failures) || 'none'}; today: ${byVerdict(usage.day.failures) || 'none'}`
    : column === 'input' ? `today: ${usage.day.promptTokens} prompt tokens, ${usage.day.cachedTokens} of them cached`
      : column === 'output' ? `today: ${usage.day.candidatesTokens} answer and ${usage.day.thoughtsTokens} thought tokens`
        : `${hour} this hour, ${day} today`;
  const verdicts = column === 'failed' && day > 0 ? `<small>${escapeHtml(byVerdict(usage.day.failures))}</small>` : '';
  return `<td class="num usage" title="${escapeHtml(detail)}">${compact(hour)} / ${compact(day)}${verdicts}</td>`;
}

/** The keys table's body: one string, set in one go (a thousand rows, one layout). */
export function keyRows(keys: readonly KeyRow[], nowMs: number): string {
  if (keys.length === 0) return '<tr><td colspan="12" class="empty">No key matches.</td></tr>';
  return keys.map((key) => `<tr data-id="${escapeHtml(key.id)}" class="${key.state}">`
    + `<td><code>${escapeHtml(key.id)}</code></td><td>${escapeHtml(key.project)}</td><td>${stateBadge(key)}</td>`
    + `<td>${untilCell(key, nowMs)}</td><td>${escapeHtml(key.reason)}</td>`
    + `<td class="num">${key.attempts}</td><td class="num">${key.failures}</td>`
    + `${usageCell(key.usage, 'requests')}${usageCell(key.usage, 'failed')}${usageCell(key.usage, 'input')}${usageCell(key.usage, 'output')}`
    + `<td class="actions">${actions(key)}</td></tr>`).join('');
}

export function projectRows(projects: readonly ProjectRow[]): string {
  if (projects.length === 0) return '<tr><td colspan="4" class="empty">No projects: each key has its own quota.</td></tr>';
  return projects.map((project) => `<tr><td>${escapeHtml(project.id)}</td><td class="num">${project.keys.length}</td>`
    + `<td>${project.sharedQuota ? 'shared' : 'own'}</td><td>${escapeHtml((project.learned ?? []).join(', '))}</td></tr>`).join('');
}

/** Relays and egress proxies: their health and counts. */
export function healthRows(rows: readonly HealthRow[], nowMs: number, empty: string): string {
  if (rows.length === 0) return `<tr><td colspan="6" class="empty">${escapeHtml(empty)}</td></tr>`;
  return rows.map((row) => `<tr class="${row.state === 'healthy' ? 'active' : 'disabled'}">`
    + `<td><code>${escapeHtml(row.id)}</code>${row.kind === undefined ? '' : ` <small>${escapeHtml(row.kind)}, ${row.keys ?? 0} keys</small>`}</td>`
    + `<td><span class="badge ${row.state === 'healthy' ? 'active' : 'disabled'}">${escapeHtml(row.state)}</span></td>`
    + `<td>${row.unhealthyUntil === undefined ? '' : timeCell(row.unhealthyUntil, nowMs, '')}</td><td>${escapeHtml(row.reason)}</td>`
    + `<td class="num">${row.attempts}</td><td class="num">${row.failures}</td></tr>`).join('');
}

/** "12 keys: 9 active, 2 cooling, 1 disabled (1 by hand)". */
export function keySummary(keys: readonly KeyRow[], shown: number): string {
  const count = (state: KeyStateName): number => keys.filter((key) => key.state === state).length;
  const manual = keys.filter((key) => key.manual).length;
  const showing = shown === keys.length ? '' : `; showing ${shown}`;
  return `${keys.length} keys: ${count('active')} active, ${count('cooling')} cooling, ${count('disabled')} disabled (${manual} by hand)${showing}`;
}
