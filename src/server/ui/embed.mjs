// @module Build time: the dashboard's page (page/index.html, page/app.css, page/app.ts bundled
// for the browser) as one module of strings, `virtual:gemini-proxy-ui`. scripts/build.mjs puts it
// into the bundle (and so into the single executable) with `uiEsbuildPlugin`; vitest.config.ts
// serves the same module to the tests with `uiVitePlugin`. Nothing is read from disk at run time
// and nothing comes from a CDN. The charts' library, uPlot (npm `uplot`), is bundled into the
// script like the page's own modules, and its style sheet put ahead of the page's in app.css.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UI_MODULE = 'virtual:gemini-proxy-ui';
const RESOLVED = `\0${UI_MODULE}`;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const page = (name) => fileURLToPath(new URL(`./page/${name}`, import.meta.url));
const chartCss = createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css');

/** The module's source, and the files it was made from (for watchers). */
export async function uiModule() {
  const script = await build({
    entryPoints: [page('app.ts')],
    absWorkingDir: root,
    bundle: true,
    write: false,
    format: 'iife',
    // Browsers of the last few years; the page uses nothing newer.
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const [appJs, indexHtml] = [script.outputFiles[0].text, await readFile(page('index.html'), 'utf8')];
  const appCss = `${await readFile(chartCss, 'utf8')}\n${await readFile(page('app.css'), 'utf8')}`;
  const source = Object.entries({ indexHtml, appJs, appCss })
    .map(([name, text]) => `export const ${name} = ${JSON.stringify(text)};`)
    .join('\n');
  const inputs = Object.keys(script.metafile.inputs).map((input) => join(root, input));
  return { source, files: [...inputs, page('app.css'), page('index.html'), chartCss] };
}

/** esbuild: `import … from 'virtual:gemini-proxy-ui'` gets the page, built now. */
export function uiEsbuildPlugin() {
  return {
    name: 'gemini-proxy-ui',
    setup(builder) {
      builder.onResolve({ filter: /^virtual:gemini-proxy-ui$/ }, () => ({ path: UI_MODULE, namespace: 'gemini-proxy-ui' }));
      builder.onLoad({ filter: /.*/, namespace: 'gemini-proxy-ui' }, async () => {
        const { source, files } = await uiModule();
        return { contents: source, loader: 'js', watchFiles: files };
      });
    },
  };
}

/** Vite (vitest): the same module, for the tests that run the sources. */
export function uiVitePlugin() {
  return {
    name: 'gemini-proxy-ui',
    resolveId: (id) => (id === UI_MODULE ? RESOLVED : undefined),
    load: async (id) => (id === RESOLVED ? (await uiModule()).source : undefined),
  };
}
