/**
 * `npm run demo`: a round trip with no Gemini key. Starts the fake Gemini upstream from the test
 * suite, starts the real gemini-proxy in front of it (two made-up keys), sends one request and
 * one stream, shows what came back and what the proxy logged, then stops both.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FakeGemini } from '../test/support/fake-gemini.js';

const BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] });

async function main(): Promise<void> {
  const upstream = await FakeGemini.start();
  const dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-demo-'));
  writeFileSync(join(dir, 'api_keys.txt'), '# made-up keys: the fake upstream accepts anything\ndemo-key-one\ndemo-key-two\n');
  writeFileSync(join(dir, 'proxy_urls.txt'), `${upstream.url}\n`);
  console.log(`fake Gemini upstream on ${upstream.url}`);

  const proxy = spawn(process.execPath, [join(__dirname, 'gemini-proxy.cjs'), '-port=0'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proxy.stdout });
  const logs: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    proxy.once('exit', (code) => reject(new Error(`gemini-proxy exited with code ${code}`)));
    lines.on('line', (line) => {
      logs.push(line);
      const entry = JSON.parse(line) as { event?: string; port?: number };
      if (entry.event === 'listening' && entry.port) resolve(entry.port);
    });
  });
  const base = `http://127.0.0.1:${port}`;
  console.log(`gemini-proxy listening on ${base}\n`);

  const answer = await fetch(`${base}/v1beta/models/gemini-2.5-flash:generateContent`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY,
  });
  console.log(`POST /v1beta/models/gemini-2.5-flash:generateContent → ${answer.status}`);
  console.log(`${await answer.text()}\n`);

  const stream = await fetch(`${base}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY,
  });
  console.log(`POST …:streamGenerateContent?alt=sse → ${stream.status}`);
  console.log(`${(await stream.text()).trim()}\n`);

  console.log(`the upstream saw keys: ${upstream.requests.map((request) => request.key).join(', ')}`);
  console.log('(a real deployment lists real keys in api_keys.txt; the proxy logs only their ids)\n');
  proxy.kill('SIGTERM');
  await new Promise((resolve) => proxy.once('exit', resolve));
  console.log('gemini-proxy log lines:');
  for (const line of logs) console.log(`  ${line}`);
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
