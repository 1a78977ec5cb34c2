/**
 * Claude Code itself (`claude -p`, pinned, fetched on first use) against the proxy and the fake
 * upstream: unchanged but for ANTHROPIC_BASE_URL, with the default Claude model mapped by name,
 * either credential variable, and a turn with a tool call that carries the thought signature.
 */

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withProxy } from '../support/harness.js';
import { agentModel, claudeCommand, geminiBodies, GREETING, runAgent, Scratch, SIGNATURE, type AgentRun } from './support.js';

const POOL_KEY = 'claude-code-pool-key-5b1e';
const TOKEN = 'claude-code-proxy-token-c4d2';

const h = withProxy({ keys: [POOL_KEY], settings: { proxyKeys: [TOKEN] } });
let claude: string[];
let scratch: Scratch;

beforeAll(() => {
  claude = claudeCommand();
}, 300_000);

beforeEach(() => {
  scratch = new Scratch();
});
afterEach(() => scratch.remove());

/** `claude -p prompt …args` with telemetry, updates and error reports off. */
function runClaude(prompt: string, args: readonly string[], credential: Record<string, string>): Promise<AgentRun> {
  return runAgent(claude, ['-p', prompt, '--output-format', 'json', ...args], scratch, {
    ANTHROPIC_BASE_URL: h.proxy.url,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    // It retries even a 401 for about a minute otherwise.
    CLAUDE_CODE_MAX_RETRIES: '0',
    ...credential,
  });
}

function result(run: AgentRun): { result?: string; is_error?: boolean; api_error_status?: number | null } {
  expect(run.stdout, run.stderr).not.toBe('');
  return JSON.parse(run.stdout) as { result?: string; is_error?: boolean; api_error_status?: number | null };
}

describe('Claude Code through the proxy', () => {
  it('prints the answer with its default model (opus → gemini-2.5-pro) and ANTHROPIC_API_KEY', async () => {
    h.upstream.setDefault(agentModel(undefined, 'gemini-2.5-pro'));
    const run = await runClaude('say hi', [], { ANTHROPIC_API_KEY: TOKEN });
    expect(run.code, run.stderr).toBe(0);
    expect(result(run)).toMatchObject({ is_error: false, result: GREETING });
    expect(h.upstream.requests.map((request) => request.pathname)).toContain('/v1beta/models/gemini-2.5-pro:streamGenerateContent');
    expect(h.upstream.requests.every((request) => request.key === POOL_KEY)).toBe(true);
    expect(`${run.stdout}${run.stderr}`).not.toContain(POOL_KEY);
  });

  it('runs a tool turn with ANTHROPIC_AUTH_TOKEN: Read is called, its output reaches the model', async () => {
    const note = scratch.write('work/note.txt', 'the secret word is mango\n');
    h.upstream.setDefault(agentModel({ tool: 'Read', args: { file_path: note } }));
    const run = await runClaude('read note.txt', ['--model', 'claude-sonnet-4-6'], { ANTHROPIC_AUTH_TOKEN: TOKEN });
    expect(run.code, run.stderr).toBe(0);
    expect(result(run).result).toMatch(/^Tool Read said: .*mango/);
    const [first, second] = geminiBodies(h.upstream.requests.filter((request) => request.pathname.includes(':streamGenerateContent')));
    expect(JSON.stringify(first?.tools)).toContain('parametersJsonSchema');
    const call = second?.contents?.at(-2)?.parts?.find((part) => 'functionCall' in part);
    expect(call).toMatchObject({ functionCall: { name: 'Read', args: { file_path: note } }, thoughtSignature: SIGNATURE });
  });

  it('fails with a wrong token, and no key is used', async () => {
    h.upstream.setDefault(agentModel());
    const run = await runClaude('say hi', ['--model', 'claude-sonnet-4-6'], { ANTHROPIC_API_KEY: 'not-the-token' });
    expect(run.code).toBe(1);
    expect(result(run)).toMatchObject({ is_error: true, api_error_status: 401 });
    expect(h.upstream.requests).toHaveLength(0);
  });
});
