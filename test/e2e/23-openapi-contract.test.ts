/**
 * The OpenAPI document tells the truth: schemathesis (PyPI, pinned in test/contract/requirements.txt)
 * reads each gateway's served document and calls the gateway with what the document allows and
 * with what it refuses, then checks every answer against the document: a documented status (so no
 * 5xx but the documented 503 LEDGER_UNAVAILABLE, which a ledger slowed down by the rest of the
 * suite may answer at its deadline: twice in full runs on 2 cores, a read of the market and one of
 * resolved disputes), the documented media type and body schema.
 *
 * Which key for what: reads (GET) on every gateway with its organization's own privileged key
 * (utility, community operator, regulator), so that they reach the ledger. Writes on the community
 * gateway only, with the operator's key and random ids: the chaincode refuses most of them (unknown
 * participant, meter, asset, market), the few it takes write records of random ids that no other
 * test reads. Left out: onboarding (POST /participants makes a CA identity per call) and the event
 * stream (GET /events does not end).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrgName } from '@gridledger/network';
import { credentials, profile } from './support';

const ROOT = join(__dirname, '..', '..');
/**
 * Examples per operation in the fuzzing phase; the coverage phase adds what the document's bounds
 * call for (about 1,400 requests for a gateway's reads in all; the four runs at once take 1.5-2.5 minutes).
 * Deterministic generation repeats a run exactly (schemathesis ignores a seed in that mode).
 */
const MAX_EXAMPLES = 15;

/** test/contract/install-schemathesis.sh: the pinned `st` in the cache, installed on first use (fails loudly without python3-venv). */
function schemathesis(): string {
  try {
    return execFileSync('bash', [join(ROOT, 'test/contract/install-schemathesis.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `schemathesis is not installed and could not be (needs python3 with venv and pip; Debian: apt-get install python3-venv ` +
        `python3-pip), then bash test/contract/install-schemathesis.sh:\n${err.stderr ?? err.message}`,
      { cause: e },
    );
  }
}

interface Run {
  code: number | null;
  output: string;
}

function run(st: string, org: OrgName, key: string, filter: string[]): Promise<Run> {
  const args = [
    'run',
    `${profile().orgs[org].gateway.url}/api/v1/openapi.json`,
    '--header',
    `Authorization: Bearer ${key}`,
    '--checks',
    'status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection',
    '--phases',
    'examples,coverage,fuzzing',
    '--max-examples',
    String(MAX_EXAMPLES),
    '--generation-deterministic',
    '--workers',
    '1',
    '--request-timeout',
    '60',
    '--no-color',
    '--exclude-path',
    '/events',
    '--exclude-path',
    '/participants',
    ...filter,
  ];
  // Its own working directory: schemathesis keeps the failures it found in ./.schemathesis and would replay them next time.
  const cwd = mkdtempSync(join(tmpdir(), 'gl-schemathesis-'));
  return new Promise((resolve) => {
    execFile(st, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, output: `${stdout}${stderr}` });
    });
  });
}

const keys = (): Record<OrgName, string> => {
  const k = credentials().apiKeys;
  return { utility: k.utility.utility, community: k.community['community-operator'], regulator: k.regulator.regulator } as Record<
    OrgName,
    string
  >;
};

/**
 * The four runs at once, started before the first test: each waits mostly on its gateway and the
 * ledger, so together they take little longer than the longest one. Each test checks its own run.
 */
let runs: { reads: Record<OrgName, Promise<Run>>; writes: Promise<Run> };
beforeAll(() => {
  const st = schemathesis();
  const reads = (org: OrgName) => run(st, org, keys()[org], ['--include-method', 'GET']);
  runs = {
    reads: { utility: reads('utility'), community: reads('community'), regulator: reads('regulator') },
    writes: run(st, 'community', keys().community, ['--exclude-method', 'GET']),
  };
});

const passed = (result: Run) => {
  if (result.code !== 0) throw new Error(`schemathesis exit ${result.code}\n${result.output}`);
  expect(result.output).toMatch(/passed/);
};

it.each(['utility', 'community', 'regulator'] as OrgName[])(
  'the %s gateway answers its reads as its document says',
  async (org) => passed(await runs.reads[org]),
  900_000,
);

it('the community gateway answers its writes as its document says', async () => passed(await runs.writes), 900_000);
