/** The systemd unit and the sample INI in contrib/ say what README's "On a VPS" promises. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';

const unit = readFileSync(new URL('../../contrib/systemd/gemini-proxy.service', import.meta.url), 'utf8');
const iniPath = new URL('../../contrib/systemd/gemini-proxy.ini', import.meta.url).pathname;

/** `Key=value` lines of the unit, last one wins. */
function directives(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) map.set(match[1], match[2]);
  }
  return map;
}

describe('contrib/systemd', () => {
  const unitDirectives = directives(unit);

  it('starts the binary with the config file and a state file in its StateDirectory', () => {
    expect(unitDirectives.get('ExecStart')).toBe(
      '/usr/local/bin/gemini-proxy --config /etc/gemini-proxy/gemini-proxy.ini --state-file /var/lib/gemini-proxy/state.json',
    );
    expect(unitDirectives.get('StateDirectory')).toBe('gemini-proxy');
  });

  it('reloads with SIGHUP, restarts on failure, runs as its own user, and waits for the drain', () => {
    expect(unitDirectives.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(unitDirectives.get('Restart')).toBe('on-failure');
    expect(unitDirectives.get('User')).toBe('gemini-proxy');
    expect(Number.parseInt(unitDirectives.get('TimeoutStopSec') ?? '0', 10)).toBeGreaterThan(25);
  });

  it('is hardened: no new privileges, a read-only system, no home, a private /tmp', () => {
    for (const [key, value] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes']]) {
      expect(unitDirectives.get(key ?? '')).toBe(value);
    }
    expect(unitDirectives.has('ReadWritePaths')).toBe(false);
  });

  it('does not restart on a configuration error (exit code 2)', () => {
    expect(unitDirectives.get('RestartPreventExitStatus')).toBe('2');
  });

  it('the sample INI refuses to serve 0.0.0.0 until a proxy key is set', () => {
    expect(() => resolveConfig({ cli: {}, cliConfigFile: iniPath, env: {} })).toThrow(/not a loopback address/);
  });

  it('the sample INI, once a proxy key is set, is a valid configuration, aliases included', () => {
    const config = resolveConfig({ cli: {}, cliConfigFile: iniPath, env: { GEMINI_PROXY_PROXY_KEYS: 'a-token' } });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8000, maxAttempts: 3, proxyKeys: ['a-token'] });
    expect(config.apiKeysFile).toBe(iniPath.replace('gemini-proxy.ini', 'api_keys.txt'));
    expect(config.modelAliases).toEqual({ 'gpt-4o-mini': 'gemini-2.5-flash', 'gpt-4o': 'gemini-2.5-pro' });
  });
});
