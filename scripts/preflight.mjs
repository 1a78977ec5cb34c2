// Runs before the tests (`pretest`): the system programs the test suite needs must be installed,
// or `npm test` stops here with the one line that installs them, instead of failing test by test.
// Each entry: the command, run with `--version`, and the Debian package that provides it.
import { spawnSync } from 'node:child_process';

const REQUIRED = [
  ['redis-server', 'redis-server'],
  // The dashboard's browser tests (test/browser) drive it through playwright-core.
  ['chromium', 'chromium'],
];

const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
const missing = REQUIRED.filter(([command]) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status !== 0);

if (missing.length > 0) {
  const names = missing.map(([command]) => command).join(', ');
  const packages = missing.map(([, pkg]) => pkg).join(' ');
  process.stderr.write(`${names} ${missing.length === 1 ? 'is' : 'are'} missing: run  ${sudo}apt-get install -y ${packages}\n`);
  process.exit(1);
}
