/**
 * @module The dashboard's page, built at build time by embed.mjs (the bundle's esbuild plugin,
 * the tests' vite plugin): the HTML, the browser script and the style sheet, as strings.
 */

declare module 'virtual:gemini-proxy-ui' {
  export const indexHtml: string;
  export const appJs: string;
  export const appCss: string;
}
