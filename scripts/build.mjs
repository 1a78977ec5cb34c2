// Bundles the CLI into one CommonJS file (dist/gemini-proxy.cjs): no runtime file lookups, no
// worker threads, so the same bundle can become a single executable. Also bundles the demo.
// The dashboard's page (HTML, its script bundled for the browser, CSS) is built here too and
// embedded as strings (src/server/ui/embed.mjs): the daemon serves it without reading a file.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { uiEsbuildPlugin } from '../src/server/ui/embed.mjs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  legalComments: 'none',
  define: { GEMINI_PROXY_VERSION: JSON.stringify(version) },
  // ws's optional native add-ons: it requires them inside a try and runs without them. Kept out
  // of the bundle even when installed (a .node file cannot be bundled, nor loaded by a single
  // executable, whose require reaches only built-in modules).
  external: ['bufferutil', 'utf-8-validate'],
  plugins: [uiEsbuildPlugin()],
};

await Promise.all([
  build({ ...common, entryPoints: ['src/main.ts'], outfile: 'dist/gemini-proxy.cjs' }),
  build({ ...common, entryPoints: ['scripts/demo.ts'], outfile: 'dist/demo.cjs' }),
  ...(process.argv.includes('--bench')
    ? [
        build({ ...common, entryPoints: ['scripts/bench.ts'], outfile: 'dist/bench.cjs' }),
        build({ ...common, entryPoints: ['scripts/bench-upstream.ts'], outfile: 'dist/bench-upstream.cjs' }),
      ]
    : []),
]);
