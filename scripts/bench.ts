/**
 * `npm run bench`: the proxy beside the direct path, on this machine, loopback only
 * (shared/reference/performance.md §5). Reports throughput ratio, added latency at c=1, CPU per
 * request, streaming time-to-first-byte and memory. Options: --duration SECONDS (default 10),
 * --rounds N (paired c=1 rounds, default 3000), --affinity N (start with N files in the key
 * affinity map, through a state file, so every request's body is searched for resource names).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { Client } from 'undici';

const GENERATE = '/v1beta/models/gemini-2.5-flash:generateContent';
const BODY = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] });
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(args[index + 1]);
};
const DURATION = option('duration', 10);
const ROUNDS = option('rounds', 3000);
const AFFINITY = option('affinity', 0);

/** A state file naming `count` files, each made by one of the bench keys (ids only). */
function stateWithFiles(count: number): string {
  const resources: Record<string, { keyId: string; untilMs: number }> = {};
  for (let i = 0; i < count; i++) resources[`files/bench${i}`] = { keyId: 'key_bench', untilMs: Date.now() + 3_600_000 };
  return JSON.stringify({ format: 'gemini-proxy-state', version: 1, savedAt: new Date().toISOString(), keys: {}, resources });
}

function firstLine(child: ChildProcess, pick: (line: string) => number | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const value = pick(line);
      if (value === undefined) return;
      resolve(value);
      // From here on the output is only drained, never parsed: parsing every request's log line
      // in this process would slow the measuring client down and blur the latencies.
      lines.close();
      child.stdout!.on('data', () => undefined).resume();
    });
  });
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const MESSAGES = [{ role: 'user', content: 'Hello' }];
/** The translated routes measured, each streamed and not. */
const TRANSLATED: readonly (readonly [name: string, path: string, body: string])[] = [
  ['openai chat', '/v1/chat/completions', JSON.stringify({ model: 'gemini-2.5-flash', messages: MESSAGES })],
  ['openai chat stream', '/v1/chat/completions', JSON.stringify({ model: 'gemini-2.5-flash', messages: MESSAGES, stream: true })],
  ['ollama chat', '/api/chat', JSON.stringify({ model: 'gemini-2.5-flash', messages: MESSAGES, stream: false })],
  ['ollama chat stream', '/api/chat', JSON.stringify({ model: 'gemini-2.5-flash', messages: MESSAGES })],
];

/** Whether the proxy serves `path` (an older build may not): one request before measuring. */
async function served(base: string, path: string, body: string): Promise<boolean> {
  const client = new Client(base);
  const response = await client.request({ path, method: 'POST', body, headers: { 'content-type': 'application/json' } });
  await response.body.text();
  await client.close();
  return response.statusCode === 200;
}

async function throughput(base: string, connections: number, path = GENERATE, body = BODY): Promise<number> {
  const result = await autocannon({
    url: `${base}${path}`, method: 'POST', body, headers: { 'content-type': 'application/json' },
    connections, duration: DURATION,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${base}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

/** Paired c=1 rounds in random order; returns sorted latencies in µs per target. */
async function paired(targets: string[]): Promise<number[][]> {
  const clients = targets.map((base) => new Client(base, { keepAliveTimeout: 60_000 }));
  const samples: number[][] = targets.map(() => []);
  const once = async (index: number): Promise<number> => {
    const started = process.hrtime.bigint();
    const response = await clients[index]!.request({ path: GENERATE, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } });
    await response.body.text();
    return Number(process.hrtime.bigint() - started) / 1000;
  };
  for (let round = 0; round < ROUNDS + 500; round++) {
    const order = targets.map((_, index) => index).sort(() => Math.random() - 0.5);
    for (const index of order) {
      const micros = await once(index);
      if (round >= 500) samples[index]!.push(micros);
    }
  }
  await Promise.all(clients.map((client) => client.close()));
  return samples.map((list) => list.sort((a, b) => a - b));
}

/** Median time to the first SSE event over 20 streams of 16 events 20 ms apart, in ms. */
async function firstByte(base: string): Promise<number> {
  const client = new Client(base);
  const times: number[] = [];
  for (let run = 0; run < 20; run++) {
    const started = process.hrtime.bigint();
    const response = await client.request({
      path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&n=16&iv=20', method: 'POST', body: BODY,
    });
    let first = 0;
    for await (const _chunk of response.body) if (first === 0) first = Number(process.hrtime.bigint() - started) / 1e6;
    times.push(first);
  }
  await client.close();
  return percentile(times.sort((a, b) => a - b), 0.5);
}

async function main(): Promise<void> {
  const upstream = spawn(process.execPath, [join(__dirname, 'bench-upstream.cjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const upstreamPort = await firstLine(upstream, (line) => Number(line) || undefined);
  const dir = mkdtempSync(join(tmpdir(), 'gemini-proxy-bench-'));
  writeFileSync(join(dir, 'api_keys.txt'), Array.from({ length: 10 }, (_, i) => `bench-key-${i}`).join('\n'));
  writeFileSync(join(dir, 'proxy_urls.txt'), `http://127.0.0.1:${upstreamPort}\n`);
  const extra = process.env.BENCH_PROXY_ARGS?.split(' ') ?? [];
  if (AFFINITY > 0) {
    writeFileSync(join(dir, 'state.json'), stateWithFiles(AFFINITY));
    extra.push('--state-file', 'state.json');
  }
  const proxy = spawn(process.execPath, [join(__dirname, 'gemini-proxy.cjs'), '-port=0', ...extra], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  const proxyPort = await firstLine(proxy, (line) => (JSON.parse(line) as { port?: number }).port);
  const direct = `http://127.0.0.1:${upstreamPort}`;
  const proxied = `http://127.0.0.1:${proxyPort}`;
  const pid = proxy.pid!;
  const idleRss = rssMb(pid);

  console.log(`node ${process.version}, ${DURATION} s per throughput run, ${ROUNDS} paired rounds, ${AFFINITY} files in the affinity map\n`);
  const directRps = await throughput(direct, 50);
  const cpuBefore = cpuSeconds(pid);
  const proxyRps = await throughput(proxied, 50);
  const cpuPerRequest = ((cpuSeconds(pid) - cpuBefore) / (proxyRps * DURATION)) * 1e6;
  const loadedRss = rssMb(pid);
  console.log(`throughput c=50     direct ${directRps.toFixed(0)} req/s, proxy ${proxyRps.toFixed(0)} req/s, ratio ${(proxyRps / directRps).toFixed(3)}`);
  console.log(`cpu per request     ${cpuPerRequest.toFixed(1)} µs (proxy process)`);
  for (const [name, path, body] of TRANSLATED) {
    const label = `${name} c=50`.padEnd(24);
    if (!(await served(proxied, path, body))) {
      console.log(`${label}not served`);
      continue;
    }
    const cpuBeforeRoute = cpuSeconds(pid);
    const rps = await throughput(proxied, 50, path, body);
    const cpu = ((cpuSeconds(pid) - cpuBeforeRoute) / (rps * DURATION)) * 1e6;
    console.log(`${label}${rps.toFixed(0)} req/s (ratio to pass-through ${(rps / proxyRps).toFixed(2)}), ${cpu.toFixed(1)} µs cpu per request`);
  }

  const [directLatency = [], proxyLatency = []] = await paired([direct, proxied]);
  const added = (p: number): number => percentile(proxyLatency, p) - percentile(directLatency, p);
  console.log(`latency c=1 direct  p50 ${percentile(directLatency, 0.5).toFixed(0)} µs, p99 ${percentile(directLatency, 0.99).toFixed(0)} µs`);
  console.log(`latency c=1 proxy   p50 ${percentile(proxyLatency, 0.5).toFixed(0)} µs, p99 ${percentile(proxyLatency, 0.99).toFixed(0)} µs`);
  console.log(`added               p50 ${added(0.5).toFixed(0)} µs, p99 ${added(0.99).toFixed(0)} µs, hop multiple ${(added(0.99) / percentile(directLatency, 0.99)).toFixed(2)}`);

  const directTtfb = await firstByte(direct);
  const proxyTtfb = await firstByte(proxied);
  console.log(`stream first byte   direct ${directTtfb.toFixed(2)} ms, proxy ${proxyTtfb.toFixed(2)} ms (median of 20)`);
  console.log(`proxy memory        idle ${idleRss.toFixed(1)} MB, after load ${loadedRss.toFixed(1)} MB`);

  proxy.kill('SIGTERM');
  upstream.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
