/** @module The version, stamped in by the build (scripts/build.mjs); no file is read at run time. */

declare const GEMINI_PROXY_VERSION: string | undefined;

export const VERSION: string = typeof GEMINI_PROXY_VERSION === 'string' ? GEMINI_PROXY_VERSION : '0.0.0-dev';
