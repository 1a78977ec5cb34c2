/**
 * `--workers 2` acting as one proxy: what one worker learns the other applies (a 429 cools the key
 * for both, so the quota key is asked once), a chat started through one worker continues through
 * the other, and a user's message rate holds across both (counted in the primary).
 */

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fail } from '../support/behaviours.js';
import { FakeGemini } from '../support/fake-gemini.js';
import { assertBundleFresh, cleanUp, GENERATE_PATH, PROMPT_BODY, send, startCli, Workspace, type CliProcess } from './support.js';

const [LIMITED, SPARE] = ['AIzaWorkersState0001', 'AIzaWorkersState0002'] as const;
/** A connection per request: node:cluster hands each new connection to the next worker. */
const CLOSE = { connection: 'close', 'content-type': 'application/json' };

describe('gemini-proxy --workers 2: one view of keys, chats and rates', () => {
  let upstream: FakeGemini;
  let ws: Workspace;
  let cli: CliProcess;
  let base: string;

  /** The pids that served requests so far (request lines carry the worker's pid). */
  const servers = (): Set<unknown> => new Set(cli.lines.filter((line) => line.msg === 'request').map((line) => line.pid));

  beforeAll(() => assertBundleFresh());

  beforeEach(async () => {
    upstream = await FakeGemini.start();
    ws = new Workspace();
    ws.write('api_keys.txt', `${LIMITED}\n${SPARE}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
    ws.write('valid_users.txt', 'alice\n');
    cli = startCli(['-port=0', '--workers', '2', '--watch-interval', '0', '--user-rate', '2/m'], { cwd: ws.dir });
    base = await cli.ready();
    // Connections go only to workers already listening: both must be, for both to serve.
    await cli.waitFor(() => cli.events('listening').length >= 2, 'both workers listening');
  });

  afterEach(async () => {
    await cleanUp();
    await upstream.close();
  });

  it('a 429 one worker met cools the key for the other: the limited key is asked once', async () => {
    upstream.forKey(LIMITED, fail('quotaPerMinute', '30s'));
    for (let i = 0; i < 6; i++) expect((await send(base, { method: 'POST', path: GENERATE_PATH, body: PROMPT_BODY, headers: CLOSE })).status).toBe(200);
    await cli.waitFor(() => cli.lines.filter((line) => line.msg === 'request').length >= 6, 'six request lines');
    expect(servers().size).toBe(2);
    expect(upstream.withKey(LIMITED)).toHaveLength(1);
  });

  it('a chat goes on through either worker, and the user\'s rate holds across both', async () => {
    const post = async (path: string, body: unknown) => {
      const reply = await send(base, { method: 'POST', path, body: JSON.stringify(body), headers: CLOSE });
      return { status: reply.status, json: JSON.parse(reply.body) as Record<string, unknown> };
    };
    const chatId = (await post('/start_chat', { user_id: 'alice' })).json['chat_id'];
    expect((await post('/send_message', { chat_id: chatId, message: 'first' })).status).toBe(200);
    expect((await post('/send_message', { chat_id: chatId, message: 'second' })).status).toBe(200);
    expect((await post('/send_message', { chat_id: chatId, message: 'third' })).status).toBe(429);
    await cli.waitFor(() => cli.lines.filter((line) => line.msg === 'request').length >= 4, 'four request lines');
    expect(servers().size).toBe(2);
    const second = JSON.parse(upstream.requests[1]?.body ?? '{}') as { contents: { parts: { text: string }[] }[] };
    expect(second.contents.map((turn) => turn.parts[0]?.text)).toEqual(['first', expect.any(String), 'second']);
  });
});
