import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// network/scripts/bootstrap.js is plain CommonJS: it runs before npm ci and tsc.
type Step = { kind: string; packages?: string[]; version?: string };
type Facts = {
  profile: string;
  pinned: string;
  current: string;
  cached: boolean;
  lockHash: string;
  stamp: string | null;
  missing: string[];
  canInstall: boolean;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bootstrap = require('../scripts/bootstrap.js') as {
  PACKAGES: { start: string[]; test: string[] };
  plan: (facts: Facts) => { runtime: 'current' | 'cache'; steps: Step[] };
  stampOf: (lockHash: string, nodeMajor: number) => string;
  majorOf: (version: string) => number;
  missingPackages: (packages: string[]) => string[];
};
const { PACKAGES, plan, stampOf, majorOf, missingPackages } = bootstrap;

const ROOT = join(__dirname, '..', '..');
const installed: Facts = {
  profile: 'test',
  pinned: '24.22.3',
  current: 'v24.22.3',
  cached: false,
  lockHash: 'abc',
  stamp: stampOf('abc', 24),
  missing: [],
  canInstall: true,
};
const kinds = (facts: Partial<Facts>) => plan({ ...installed, ...facts }).steps.map((s) => s.kind);

describe('the bootstrap of `npm start` and `npm test`', () => {
  it('only checks and builds when everything is there', () => {
    expect(plan(installed)).toEqual({ runtime: 'current', steps: [{ kind: 'fabric' }, { kind: 'schemathesis' }, { kind: 'build' }] });
    expect(kinds({ profile: 'start' })).toEqual(['fabric', 'build']);
    expect(kinds({ profile: 'run' })).toEqual([]);
  });

  it('takes the node on PATH when its major is the pinned one, else the cached binary, fetched once', () => {
    expect(plan({ ...installed, current: 'v24.1.0' }).runtime).toBe('current');
    expect(plan({ ...installed, current: 'v20.20.2', cached: true })).toEqual(plan({ ...installed, current: 'v26.0.0', cached: true }));
    expect(plan({ ...installed, current: 'v20.20.2', cached: true }).runtime).toBe('cache');
    expect(kinds({ current: 'v20.20.2', cached: true })[0]).toBe('fabric');
    const fresh = plan({ ...installed, profile: 'run', current: 'v20.20.2', cached: false });
    expect(fresh.steps).toEqual([{ kind: 'fetch-runtime', version: '24.22.3' }]);
    expect(kinds({ current: 'v24.22.3', cached: false })).not.toContain('fetch-runtime');
  });

  it('runs npm ci when node_modules is missing, from another package-lock.json, or installed by another Node.js major', () => {
    expect(kinds({ profile: 'run', stamp: null })).toEqual(['npm-ci']);
    expect(kinds({ profile: 'run', lockHash: 'def' })).toEqual(['npm-ci']);
    expect(kinds({ profile: 'run', stamp: stampOf('abc', 20) })).toEqual(['npm-ci']);
    expect(kinds({ profile: 'run', pinned: '26.1.0', current: 'v26.1.0' })).toEqual(['npm-ci']);
  });

  it('installs the missing Debian packages of its profile when it may, and names them when it may not', () => {
    const first = (facts: Partial<Facts>) => plan({ ...installed, ...facts }).steps[0];
    expect(first({ missing: ['jq', 'python3-venv'] })).toEqual({ kind: 'apt-install', packages: ['jq', 'python3-venv'] });
    expect(first({ profile: 'start', missing: ['jq', 'python3-venv'] })).toEqual({ kind: 'apt-install', packages: ['jq'] });
    expect(first({ missing: ['mosquitto'], canInstall: false })).toEqual({ kind: 'apt-refused', packages: ['mosquitto'] });
    expect(kinds({ profile: 'run', missing: ['mosquitto'] })).toEqual([]);
    expect(PACKAGES.start).toEqual(expect.arrayContaining(['mosquitto', 'openssl', 'gcc']));
    expect(PACKAGES.test).toContain('python3-venv');
    expect(PACKAGES.test).toEqual(expect.arrayContaining(['chromium', 'fonts-liberation']));
    // npm start renders the simulation report's charts with resvg, which needs a system font.
    expect(PACKAGES.start).toContain('fonts-dejavu-core');
  });

  it('fetches the runtime before anything runs on it, and builds last', () => {
    const steps = kinds({ current: 'v20.20.2', stamp: null, missing: ['jq'] });
    expect(steps).toEqual(['fetch-runtime', 'apt-install', 'npm-ci', 'fabric', 'schemathesis', 'build']);
  });

  const dpkg = spawnSync('dpkg-query', ['--version']).status === 0;
  (dpkg ? it : it.skip)('asks dpkg which packages are missing', () => {
    expect(missingPackages(['dpkg', 'gridledger-no-such-package', 'coreutils'])).toEqual(['gridledger-no-such-package']);
    expect(missingPackages([])).toEqual([]);
  });

  it('refuses an unknown profile', () => {
    expect(() => plan({ ...installed, profile: 'deploy' })).toThrow(/unknown profile 'deploy'/);
  });
});

describe('the pinned runtime', () => {
  const pinned = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

  it('is an exact version of a supported LTS line, and engines and @types/node name its major', () => {
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect([22, 24, 26]).toContain(majorOf(pinned));
    expect(pkg.engines.node).toBe(`${majorOf(pinned)}.x`);
    expect(majorOf(pkg.devDependencies['@types/node'].replace(/^\^/, ''))).toBe(majorOf(pinned));
  });

  // Only `npm test` goes through the bootstrap; a bare `npx jest` runs on whatever node is on PATH.
  (process.env.npm_lifecycle_event === 'test' ? it : it.skip)('is what `npm test` runs its tests on', () => {
    expect(process.version).toBe(process.env.NODE ? execFileSync(process.env.NODE, ['--version'], { encoding: 'utf8' }).trim() : 'no NODE');
    expect(majorOf(process.version)).toBe(majorOf(pinned));
  });

  it('runs the package scripts that start processes through the bootstrap', () => {
    for (const name of ['start', 'up', 'test', 'bench']) {
      expect(pkg.scripts[name]).toMatch(/^bash network\/scripts\/bootstrap\.sh (start|test) /);
    }
  });
});
