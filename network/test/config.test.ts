import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG, ConfigError, configTableMarkdown, PROCESS_VARIABLES, readConfig } from '../src/config';

const ROOT = join(__dirname, '..', '..');

describe('readConfig', () => {
  it('converts and defaults', () => {
    expect(readConfig(PROCESS_VARIABLES.gateway, { GRIDLEDGER_MARKET_TICK_MS: '250', GRIDLEDGER_ORG: 'community' })).toEqual({
      GRIDLEDGER_STATE: undefined,
      GRIDLEDGER_ORG: 'community',
      GRIDLEDGER_LOG_LEVEL: 'info',
      GRIDLEDGER_MARKET_SCHEDULER: 'on',
      GRIDLEDGER_MARKET_TICK_MS: 250,
      GRIDLEDGER_MARKET_COMMUNITIES: undefined,
      GRIDLEDGER_CERTIFICATE_SCHEDULER: 'on',
      GRIDLEDGER_CERTIFICATE_TICK_MS: 60_000,
      GRIDLEDGER_CERTIFICATE_LOOKBACK_HOURS: 72,
      GRIDLEDGER_ARCHIVE_SCHEDULER: 'off',
      GRIDLEDGER_ARCHIVE_TICK_MS: 600_000,
      GRIDLEDGER_ARCHIVE_LOOKBACK_HOURS: 48,
      GRIDLEDGER_CERTIFICATE_COMMUNITIES: undefined,
      GRIDLEDGER_OPENADR_CALLBACK_HOSTS: '127.0.0.1,localhost,[::1]',
      GRIDLEDGER_FLEX_BASELINE_SCHEDULER: 'on',
      GRIDLEDGER_FLEX_BASELINE_TICK_MS: 2_000,
    });
    expect(
      readConfig(['GRIDLEDGER_MARKET_COMMUNITIES', 'GRIDLEDGER_PORT_OFFSET'], {
        GRIDLEDGER_MARKET_COMMUNITIES: 'c-1,c-2',
        GRIDLEDGER_PORT_OFFSET: '',
      }),
    ).toEqual({
      GRIDLEDGER_MARKET_COMMUNITIES: ['c-1', 'c-2'],
      GRIDLEDGER_PORT_OFFSET: 0,
    });
  });

  it.each([
    ['GRIDLEDGER_MARKET_TICK_MS', 'abc', /GRIDLEDGER_MARKET_TICK_MS="abc": expected a whole number/],
    ['GRIDLEDGER_MARKET_TICK_MS', '0', /GRIDLEDGER_MARKET_TICK_MS="0": expected at least 1/],
    ['GRIDLEDGER_MARKET_TICK_MS', '1.5', /GRIDLEDGER_MARKET_TICK_MS="1.5"/],
    ['GRIDLEDGER_PORT_OFFSET', '-3', /GRIDLEDGER_PORT_OFFSET="-3"/],
    ['GRIDLEDGER_MARKET_SCHEDULER', 'of', /GRIDLEDGER_MARKET_SCHEDULER="of": expected on or off/],
    ['GRIDLEDGER_ORG', 'utilty', /GRIDLEDGER_ORG="utilty": expected one of utility, community, regulator/],
    ['GRIDLEDGER_LOG_LEVEL', 'verbose', /GRIDLEDGER_LOG_LEVEL="verbose"/],
    ['GRIDLEDGER_MARKET_COMMUNITIES', 'a,,b', /GRIDLEDGER_MARKET_COMMUNITIES="a,,b"/],
  ] as const)('a bad %s (%s) stops with the variable named', (name, value, message) => {
    const read = () => readConfig(PROCESS_VARIABLES.network, { [name]: value });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(message);
  });

  it('names every bad variable at once', () => {
    expect(() => readConfig(PROCESS_VARIABLES.gateway, { GRIDLEDGER_MARKET_TICK_MS: 'x', GRIDLEDGER_ORG: 'y' })).toThrow(
      /GRIDLEDGER_ORG="y".*GRIDLEDGER_MARKET_TICK_MS="x"/,
    );
  });
});

/** Every file under `dir` whose name ends in one of `exts`, without dependencies and build output. */
function files(dir: string, exts: string[]): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (['node_modules', 'dist', '.git', 'results'].includes(entry) || entry.startsWith('.gridledger')) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return files(path, exts);
    return exts.some((e) => entry.endsWith(e)) ? [path] : [];
  });
}

describe('the configuration table', () => {
  it('has every GRIDLEDGER_* variable the code, the scripts and the tests read', () => {
    const sources = [...files(ROOT, ['.ts', '.js', '.sh']), join(ROOT, '.ci', 'run')];
    const read = new Set(sources.flatMap((f) => readFileSync(f, 'utf8').match(/GRIDLEDGER_[A-Z0-9_]+/g) ?? []));
    const known = (name: string) => name in CONFIG || Object.keys(CONFIG).some((k) => k.endsWith('_') && name.startsWith(k));
    expect([...read].filter((n) => !known(n)).sort()).toEqual([]);
    expect(read.has('GRIDLEDGER_MARKET_TICK_MS')).toBe(true);
  });

  it('is the one docs/operations.md shows', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    const shown = /<!-- configuration table[^\n]*-->\n([\s\S]*?)\n<!-- end of the configuration table -->/.exec(doc)?.[1];
    // On a difference, replace the table in docs/operations.md by configTableMarkdown()'s.
    expect(shown).toBe(configTableMarkdown());
  });
});
