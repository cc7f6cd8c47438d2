import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readReference, REFERENCE_PATH } from './reference';

// Recomputes fixtures/reference.json with pvlib and demandlib when test/forecast/install-pvlib.sh has installed them
// (the virtualenv in the cache): the committed figures are what the pinned libraries give today. The fixture test
// (solar.test.ts, load-profile.test.ts) always runs; this one only where the virtualenv exists.
const ROOT = join(__dirname, '..', '..', '..');
const version = /^pvlib==(.+)$/m.exec(readFileSync(join(ROOT, 'test/forecast/requirements.txt'), 'utf8'))?.[1];
const cache = process.env.GRIDLEDGER_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'gridledger');
const python = join(cache, `pvlib-${version}`, 'bin', 'python');
const installed = existsSync(python);

(installed ? test : test.skip)(
  'pvlib and demandlib recompute the committed reference figures',
  () => {
    const out = execFileSync(python, [join(ROOT, 'core/data/reference.py'), join(ROOT, 'core/data/forecast-data.json')], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const fresh = JSON.parse(out) as ReturnType<typeof readReference>;
    const committed = readReference(REFERENCE_PATH);
    expect(fresh.pv.hours).toHaveLength(committed.pv.hours.length);
    fresh.pv.hours.forEach((h, i) => {
      expect(h.at).toBe(committed.pv.hours[i].at);
      expect(h.zenith).toBeCloseTo(committed.pv.hours[i].zenith, 9);
      h.planes.forEach((p, j) => expect(p.acW).toBeCloseTo(committed.pv.hours[i].planes[j].acW, 9));
    });
    expect(fresh.h25.annualWhPerMWh).toBeCloseTo(committed.h25.annualWhPerMWh, 6);
    fresh.h25.samples.forEach((s, i) => expect(s.whPerMWh).toBeCloseTo(committed.h25.samples[i].whPerMWh, 9));
  },
  120_000,
);
