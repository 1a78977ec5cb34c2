/**
 * Codex CLI itself (`codex exec`, pinned, fetched on first use) against the proxy and the fake
 * upstream, through a model provider whose base_url is the proxy and `wire_api = "responses"`:
 * a named Gemini model, its default model through an `[models]` alias, and tool turns, one with
 * a function (`exec_command`) and one with a free-form custom tool (`exec`).
 */

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withProxy } from '../support/harness.js';
import { agentModel, codexCommand, geminiBodies, GREETING, runAgent, Scratch, SIGNATURE, type AgentRun } from './support.js';

const POOL_KEY = 'codex-pool-key-0e7a';
const TOKEN = 'codex-proxy-token-93bd';
/** The model Codex 0.171.0 asks for when none is named. */
const CODEX_DEFAULT_MODEL = 'gpt-6.2-sol';

const h = withProxy({ keys: [POOL_KEY], settings: { proxyKeys: [TOKEN] }, aliases: { [CODEX_DEFAULT_MODEL]: 'gemini-2.5-flash' } });
let codex: string[];
let scratch: Scratch;

beforeAll(() => {
  codex = codexCommand();
}, 300_000);

beforeEach(() => {
  scratch = new Scratch();
});
afterEach(() => scratch.remove());

/** CODEX_HOME's config.toml: the proxy as the provider, no retries, no update check, analytics or plugins. */
function configToml(): string {
  return [
    'model_provider = "gemini-proxy"',
    'check_for_update_on_startup = false',
    '',
    '[model_providers.gemini-proxy]',
    'name = "gemini-proxy"',
    `base_url = "${h.proxy.url}/v1"`,
    'env_key = "GEMINI_PROXY_TOKEN"',
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[features]',
    'plugins = false',
    '',
  ].join('\n');
}

function runCodex(prompt: string, args: readonly string[] = []): Promise<AgentRun> {
  scratch.write('home/config.toml', configToml());
  return runAgent(codex, ['exec', '--skip-git-repo-check', ...args, prompt], scratch, {
    CODEX_HOME: scratch.home,
    GEMINI_PROXY_TOKEN: TOKEN,
  });
}

function expectSecretKept(run: AgentRun): void {
  expect(`${run.stdout}${run.stderr}`).not.toContain(POOL_KEY);
  expect(h.upstream.requests.every((request) => request.key === POOL_KEY)).toBe(true);
}

describe('Codex CLI through the proxy', () => {
  it('prints the answer of a named Gemini model', async () => {
    h.upstream.setDefault(agentModel());
    const run = await runCodex('say hi', ['-m', 'gemini-2.5-flash']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(GREETING);
    expectSecretKept(run);
  });

  it('runs a function tool turn: exec_command runs, its output reaches the model', async () => {
    scratch.write('work/note.txt', 'the secret word is mango\n');
    h.upstream.setDefault(agentModel({ tool: 'exec_command', args: { cmd: 'cat note.txt' } }));
    const run = await runCodex('read note.txt', ['-m', 'gemini-2.5-flash']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Tool exec_command said: .*mango/);
    const [, second] = geminiBodies(h.upstream.requests);
    const call = second?.contents?.at(-2)?.parts?.find((part) => 'functionCall' in part);
    expect(call).toMatchObject({ functionCall: { name: 'exec_command', args: { cmd: 'cat note.txt' } }, thoughtSignature: SIGNATURE });
    expectSecretKept(run);
  });

  it('runs its default model through an alias, with a custom-tool turn (exec takes raw JavaScript)', async () => {
    h.upstream.setDefault(agentModel({ tool: 'functions__exec', args: { input: 'text("the secret word is " + "mango")' } }));
    const run = await runCodex('what is the secret word?');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Tool functions__exec said: .*the secret word is mango/);
    const [first] = geminiBodies(h.upstream.requests);
    const names = first?.tools?.flatMap((tool) => tool.functionDeclarations ?? []).map((declaration) => declaration.name);
    expect(names).toEqual(expect.arrayContaining(['functions__exec', 'functions__wait', 'clock__sleep']));
    expectSecretKept(run);
  });
});
