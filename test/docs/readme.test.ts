/** The README's configuration table stays true to the settings table in the code. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS, SETTING_KEYS } from '../../src/config/settings.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
// The configuration section only: other tables (the benchmark's) may start rows with a flag too.
const section = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1));
const rows = section.split('\n').filter((line) => line.startsWith('| `--'));

describe('README configuration table', () => {
  it('has one row per setting, plus --config', () => {
    expect(rows).toHaveLength(SETTING_KEYS.length + 1);
  });

  it.each(SETTING_KEYS.map((key) => [SETTINGS[key].flag, key] as const))('--%s: flag, variable, INI name and default match the code', (flag, key) => {
    const spec = SETTINGS[key];
    const row = rows.find((line) => line.startsWith(`| \`--${flag}\` |`));
    expect(row).toBeDefined();
    const cells = (row ?? '').split('|').map((cell) => cell.trim());
    expect(cells[2]).toBe(`\`${spec.env}\``);
    expect(cells[3]).toBe(`\`${spec.flag}\``);
    expect(cells[4]).toBe(spec.defaultText === 'none' ? 'none' : `\`${spec.defaultText}\``);
  });

  it('shows the test command CI runs', () => {
    expect(readme).toContain('npm test');
  });
});
