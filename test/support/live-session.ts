/** One Live session through the CLI as shipped (bundle or single executable), against a fake Live upstream. */

import { once } from 'node:events';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import { startCli, Workspace, type CliOptions } from '../cli/support.js';
import { FakeLive } from './fake-live.js';

const POOL_KEY = 'live-binary-pool-key-3e5d';
const CLIENT_TOKEN = 'live-binary-token-61f0';
const LIVE_PATH = '//ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';

/** Runs one Live session through the CLI started with `options`; resolves once it has exited cleanly. */
export async function liveSessionThrough(options: Partial<CliOptions>): Promise<void> {
  const upstream = await FakeLive.start([POOL_KEY]);
  try {
    const ws = new Workspace();
    ws.write('api_keys.txt', `${POOL_KEY}\n`);
    ws.write('proxy_urls.txt', `${upstream.url}\n`);
    const cli = startCli(['-port=0', '--watch-interval', '0', '--proxy-key', CLIENT_TOKEN], { cwd: ws.dir, ...options });
    const base = await cli.ready();

    const client = new WebSocket(`${base.replace('http', 'ws')}${LIVE_PATH}?key=${CLIENT_TOKEN}`);
    await once(client, 'open');
    const reply = once(client, 'message') as Promise<[Buffer, boolean]>;
    client.send(JSON.stringify({ setup: { model: 'models/gemini-live-2.5-flash-preview' } }));
    const [data, binaryFrame] = await reply;
    expect(JSON.parse(data.toString('utf8'))).toEqual({ setupComplete: {} });
    expect(binaryFrame).toBe(true);
    expect((await upstream.connection()).key).toBe(POOL_KEY);

    client.close(1000, 'bye');
    expect(await (await upstream.connection()).closed).toEqual({ code: 1000, reason: 'bye' });
    expect(await cli.waitForEvent('live-session')).toMatchObject({ status: 101, closedBy: 'client', clientCode: 1000 });
    cli.signal('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.rawLines.join('\n')).not.toContain(POOL_KEY);
    expect(cli.rawLines.join('\n')).not.toContain(CLIENT_TOKEN);
  } finally {
    await upstream.close();
  }
}

