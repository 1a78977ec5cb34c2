/**
 * @module The bench's command-line options (`npm run bench -- --quick`). Defaults keep a full run
 * near 3.5 minutes on a 2-core machine; `--quick` is a ~50 s smoke run whose figures are rough.
 */

export interface BenchOptions {
  /** Seconds per throughput run at 50 connections. */
  readonly duration: number;
  /** Paired rounds at one request at a time (after `warmupRounds`). */
  readonly rounds: number;
  readonly warmupRounds: number;
  /** Concurrent SSE streams in scenario 4, and the events and gap of each. */
  readonly streams: number;
  readonly streamEvents: number;
  readonly streamIntervalMs: number;
  /** Paired rounds of one stream at a time (time to first byte). */
  readonly ttfbRounds: number;
  /** Launches per program for the cold-start median. */
  readonly coldRuns: number;
  /** Files in the daemon's key-affinity map at start (through a state file), 0 for none. */
  readonly affinity: number;
  /** Scenarios to run (1–7); all by default. */
  readonly scenarios: ReadonlySet<number>;
  readonly quick: boolean;
}

export const OPTIONS_HELP = `npm run bench -- [options]
  --quick            a ~50 s smoke run (short runs, 200 streams): rough figures
  --duration S       seconds per throughput run at 50 connections (default 8; quick 1.5)
  --rounds N         paired rounds at one request at a time (default 3000; quick 500)
  --streams N        concurrent SSE streams in scenario 4 (default 1000; quick 200)
  --cold-runs N      launches per program for the cold-start median (default 5; quick 3)
  --affinity N       start the daemon with N files in its key-affinity map (default 0)
  --only 1,4         run only these scenarios (1 pass-through, 2 latency, 3 translated,
                     4 streaming, 5 429 storm, 6 cold start, 7 --workers 2 and --redis)
Environment: BENCH_PROXY_ARGS adds arguments to the daemon's command line.`;

export function parseOptions(args: readonly string[]): BenchOptions {
  const quick = args.includes('--quick');
  const number = (name: string, full: number, short: number): number => {
    const index = args.indexOf(`--${name}`);
    const value = index === -1 ? (quick ? short : full) : Number(args[index + 1]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: expected a number, got ${args[index + 1]}`);
    return value;
  };
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex === -1 ? [1, 2, 3, 4, 5, 6, 7] : (args[onlyIndex + 1] ?? '').split(',').map(Number);
  return {
    duration: number('duration', 8, 1.5),
    rounds: number('rounds', 3000, 500),
    warmupRounds: quick ? 200 : 500,
    streams: number('streams', 1000, 200),
    streamEvents: 64,
    streamIntervalMs: 20,
    ttfbRounds: quick ? 50 : 200,
    coldRuns: number('cold-runs', 5, 3),
    affinity: number('affinity', 0, 0),
    scenarios: new Set(only.filter((n) => n >= 1 && n <= 7)),
    quick,
  };
}
