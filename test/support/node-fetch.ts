/**
 * Imported first by tests that run an SDK's `fetch` against the in-process proxy: loading
 * Node's own fetch installs Node's dispatcher as the process-wide one before the proxy's undici
 * loads. Otherwise undici's module installs its own, and Node's fetch (another undici version)
 * sends through it: a request with an explicit Content-Length (the SDK's upload chunks) is then
 * refused as "invalid content-length header". Only a test runs client and proxy in one process.
 */

// Node's fetch sets its dispatcher up on first use, not on first mention: use it once.
await fetch('data:,');
