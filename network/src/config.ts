import { z } from 'zod';
import { ORGS } from './profile';

/**
 * Every `GRIDLEDGER_*` environment variable of the platform, in one declarative table: its
 * schema (which validates and converts the text), its default, who reads it and what it does.
 * Each process reads its own ones through readConfig at start, so that a wrong value stops it
 * with the variable named (`GRIDLEDGER_MARKET_TICK_MS="abc"`, not NaN). docs/operations.md shows
 * this table (configTableMarkdown; network/test/config.test.ts keeps the two the same and fails
 * for a variable that source code reads but the table lacks). An empty value counts as unset.
 *
 * Over 400 lines, one file: the table is meant to be read whole, in one place; split, a variable
 * could be declared twice or go missing from the documentation.
 */

/** Who reads a variable: the processes `up` starts, its own CLI, the chaincode servers, the command-line tools, tests. */
export type Reader = 'network CLI' | 'gateway' | 'scheduler' | 'bridge' | 'chaincode' | 'tools' | 'tests' | 'bench';

interface Variable<S extends z.ZodType> {
  schema: S;
  /** The default as the documentation shows it (the schema applies it). */
  default?: string;
  readBy: readonly Reader[];
  doc: string;
}

const variable = <S extends z.ZodType>(v: Variable<S>) => v;
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`));
const flag = (on: string, off: string) => z.enum([on, off], `expected ${on} or ${off}`);
const text = z.string();
const communityList = z
  .string()
  .regex(/^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$/, 'expected community ids separated by commas')
  .transform((s) => s.split(','));
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const CONFIG = {
  GRIDLEDGER_STATE: variable({
    schema: text.optional(),
    default: '.gridledger',
    readBy: ['network CLI', 'gateway', 'tools'],
    doc: 'the state directory (as `--state`); the network CLI resolves the default in the repository',
  }),
  GRIDLEDGER_ORG: variable({
    schema: z.enum(ORGS, `expected one of ${ORGS.join(', ')}`).optional(),
    readBy: ['gateway'],
    doc: 'the gateway’s organization (as `--org`)',
  }),
  GRIDLEDGER_PORT_OFFSET: variable({
    schema: wholeNumber(0, 40_000).default(0),
    default: '0',
    readBy: ['network CLI'],
    doc: 'all ports + N (as `--offset N`)',
  }),
  GRIDLEDGER_LOG_LEVEL: variable({
    schema: z.enum(LOG_LEVELS, `expected one of ${LOG_LEVELS.join(', ')}`).default('info'),
    default: 'info',
    readBy: ['gateway', 'scheduler', 'bridge'],
    doc: 'the lowest level the JSON logs write',
  }),
  GRIDLEDGER_CACHE: variable({
    schema: text.optional(),
    default: '`${XDG_CACHE_HOME:-~/.cache}/gridledger`',
    readBy: ['network CLI'],
    doc: 'the cache root of the Fabric binaries and schemathesis (read by `network/scripts/build-fabric.sh` and `.ci/run`)',
  }),
  GRIDLEDGER_FABRIC_BIN: variable({
    schema: text.optional(),
    readBy: ['network CLI'],
    doc: 'Fabric binaries of your own instead of the pinned build',
  }),
  GRIDLEDGER_FABRIC_LOGGING: variable({
    schema: text.default('WARN'),
    default: 'WARN',
    readBy: ['network CLI'],
    doc: '`FABRIC_LOGGING_SPEC` of peers and orderers',
  }),
  GRIDLEDGER_BATCH_TIMEOUT: variable({
    schema: z
      .string()
      .regex(/^[1-9]\d{0,4}ms$|^[1-9]\d?s$/, 'expected a duration such as 250ms or 1s')
      .default('250ms'),
    default: '250ms',
    readBy: ['network CLI'],
    doc: 'the channel’s `BatchTimeout` (SmartBFT: `RequestBatchMaxInterval`), how long the orderers fill a block; read at channel creation',
  }),
  GRIDLEDGER_PEER_PPROF: variable({
    schema: flag('1', '0').default('0'),
    default: '0',
    readBy: ['network CLI'],
    doc: '`1`: each peer serves Go pprof (see [benchmarks.md](benchmarks.md#how-to-reproduce))',
  }),
  GRIDLEDGER_BRIDGE_ARGS: variable({
    schema: text.default(''),
    readBy: ['network CLI'],
    doc: 'extra arguments of the bridge, e.g. `--batch-size 100 --concurrency 12` (defaults 200 and 8)',
  }),
  GRIDLEDGER_BRIDGE_NODE_ARGS: variable({
    schema: text.default(''),
    readBy: ['network CLI'],
    doc: 'extra node arguments of the bridge (profiling, e.g. `--prof --logfile=/tmp/bridge.log`)',
  }),
  GRIDLEDGER_CHAINCODE_NODE_ARGS: variable({
    schema: text.default(''),
    readBy: ['network CLI'],
    doc: 'extra node arguments of the chaincode servers (profiling)',
  }),
  GRIDLEDGER_STATE_BATCH: variable({
    schema: flag('1', '0').optional(),
    default: '1',
    readBy: ['chaincode'],
    doc: '`0` turns batched state access off (passed to the chaincode servers by the network CLI)',
  }),
  GRIDLEDGER_MARKET_SCHEDULER: variable({
    schema: flag('on', 'off').default('on'),
    default: 'on',
    readBy: ['scheduler'],
    doc: '`off` switches the Community gateway’s market scheduler off',
  }),
  GRIDLEDGER_MARKET_TICK_MS: variable({
    schema: wholeNumber(1).default(5_000),
    default: '5000',
    readBy: ['scheduler'],
    doc: 'the scheduler’s period in milliseconds',
  }),
  GRIDLEDGER_MARKET_COMMUNITIES: variable({
    schema: communityList.optional(),
    default: 'the platform’s, `community-1`',
    readBy: ['scheduler'],
    doc: 'the scheduler’s communities, comma-separated',
  }),
  GRIDLEDGER_CERTIFICATE_SCHEDULER: variable({
    schema: flag('on', 'off').default('on'),
    default: 'on',
    readBy: ['scheduler'],
    doc:
      '`off` switches the Community gateway’s certificate scheduler off (it issues closed hours, ' +
      '[certificates.md](certificates.md#the-certificate-scheduler))',
  }),
  GRIDLEDGER_CERTIFICATE_TICK_MS: variable({
    schema: wholeNumber(1).default(60_000),
    default: '60000',
    readBy: ['scheduler'],
    doc: 'the certificate scheduler’s period in milliseconds',
  }),
  GRIDLEDGER_CERTIFICATE_LOOKBACK_HOURS: variable({
    schema: wholeNumber(1, 168).default(72),
    default: '72',
    readBy: ['scheduler'],
    doc:
      'the certificate scheduler issues the hours that ended at most this many hours ago ' +
      '(beyond the late window, 48 h by default, after which windows close)',
  }),
  GRIDLEDGER_CERTIFICATE_COMMUNITIES: variable({
    schema: communityList.optional(),
    default: 'those of `GRIDLEDGER_MARKET_COMMUNITIES`',
    readBy: ['scheduler'],
    doc: 'the certificate scheduler’s communities, comma-separated',
  }),
  GRIDLEDGER_ARCHIVE_SCHEDULER: variable({
    schema: flag('on', 'off').default('off'),
    default: 'off',
    readBy: ['scheduler'],
    doc:
      '`on` runs the readings archive scheduler in the Community gateway: it archives the hours whose horizons have passed, ' +
      'oldest first ([bounded-state.md](bounded-state.md))',
  }),
  GRIDLEDGER_ARCHIVE_TICK_MS: variable({
    schema: wholeNumber(1).default(600_000),
    default: '600000',
    readBy: ['scheduler'],
    doc: 'the archive scheduler’s period in milliseconds',
  }),
  GRIDLEDGER_ARCHIVE_LOOKBACK_HOURS: variable({
    schema: wholeNumber(1, 87_600).default(48),
    default: '48',
    readBy: ['scheduler'],
    doc:
      'the archive scheduler looks at the due hours this far back from the newest due one (after a restart, or on a ledger ' +
      'older than the archive: set it to reach its first hour once)',
  }),
  GRIDLEDGER_TELEMETRY_RAW_HOURS: variable({
    schema: wholeNumber(1, 8_760).default(48),
    default: '48',
    readBy: ['bridge'],
    doc: 'hours the telemetry store keeps raw samples ([telemetry.md](telemetry.md#storage))',
  }),
  GRIDLEDGER_TELEMETRY_MINUTE_DAYS: variable({
    schema: wholeNumber(1, 3_650).default(90),
    default: '90',
    readBy: ['bridge'],
    doc: 'days the telemetry store keeps the 1-minute aggregates',
  }),
  GRIDLEDGER_TELEMETRY_MISSING_SECONDS: variable({
    schema: wholeNumber(5, 86_400).default(30),
    default: '30',
    readBy: ['bridge'],
    doc: 'seconds without a sample from a device after which a TELEMETRY_MISSING alert is raised',
  }),
  GRIDLEDGER_TELEMETRY_TICK_MS: variable({
    schema: wholeNumber(50, 60_000).default(1_000),
    default: '1000',
    readBy: ['bridge'],
    doc: 'the telemetry service’s period: missing-telemetry checks and the interval aggregates’ sampling of the live balance',
  }),
  GRIDLEDGER_OPENADR_CALLBACK_HOSTS: variable({
    schema: z
      .string()
      .regex(/^\s*[^\s,]+(\s*,\s*[^\s,]+)*\s*$/, 'expected host names separated by commas')
      .default('127.0.0.1,localhost,[::1]'),
    default: '`127.0.0.1,localhost,[::1]`',
    readBy: ['gateway'],
    doc: 'hosts an OpenADR `callbackUrl` may name: `host`, `host:port`, `*.domain`, `*` ([openadr.md](openadr.md#subscriptions))',
  }),
  GRIDLEDGER_BECKN_SUBSCRIBER_ID: variable({
    schema: text.optional(),
    readBy: ['gateway'],
    doc: 'the gateway’s Beckn subscriber id (a host name), as registered ([beckn.md](beckn.md#configuration))',
  }),
  GRIDLEDGER_BECKN_KEY_ID: variable({
    schema: text.optional(),
    readBy: ['gateway'],
    doc: 'the unique key id of the gateway’s Beckn signing key at the registry',
  }),
  GRIDLEDGER_BECKN_URI: variable({
    schema: z.url('expected a URL').optional(),
    readBy: ['gateway'],
    doc: 'the gateway’s Beckn endpoint (its bap_uri or bpp_uri), as registered',
  }),
  GRIDLEDGER_BECKN_SIGNING_KEY_FILE: variable({
    schema: text.optional(),
    default: '`<state>/beckn/signing.key`',
    readBy: ['gateway'],
    doc: 'file with the base64 Ed25519 signing key (seed, or seed and public key)',
  }),
  GRIDLEDGER_BECKN_REGISTRY_URL: variable({
    schema: z.url('expected a URL').optional(),
    default: 'none: the local registry file',
    readBy: ['gateway'],
    doc: 'the Beckn registry whose `/lookup` gives subscribers’ keys',
  }),
  GRIDLEDGER_BECKN_REGISTRY_FORM: variable({
    schema: z.enum(['beckn', 'dedi'], 'expected beckn or dedi').default('beckn'),
    default: 'beckn',
    readBy: ['gateway'],
    doc: '`beckn`: `POST {url}/lookup`; `dedi`: `GET {url}/lookup/{subscriber_id}/{registry}/{key_id}`',
  }),
  GRIDLEDGER_BECKN_REGISTRY_NAME: variable({
    schema: text.default('subscribers.beckn.one'),
    default: 'subscribers.beckn.one',
    readBy: ['gateway'],
    doc: 'the registry name in a DeDi lookup path',
  }),
  GRIDLEDGER_BECKN_REGISTRY_FILE: variable({
    schema: text.optional(),
    default: '`<state>/beckn/registry.json`',
    readBy: ['gateway'],
    doc: 'the local (development) registry: `{ "subscribers": [...] }`, used when no registry URL is set',
  }),
  GRIDLEDGER_BECKN_REGISTRY_CACHE_SECONDS: variable({
    schema: wholeNumber(0, 86_400).default(300),
    default: '300',
    readBy: ['gateway'],
    doc: 'seconds a registry answer is kept (a not-found answer a tenth of it)',
  }),
  GRIDLEDGER_BECKN_SIGNATURE_MAX_SECONDS: variable({
    schema: wholeNumber(1, 3_600).default(300),
    default: '300',
    readBy: ['gateway'],
    doc: 'the longest created-to-expires window of a Beckn signature the gateway accepts',
  }),
  GRIDLEDGER_BECKN_CALLBACK_ATTEMPTS: variable({
    schema: wholeNumber(1, 100).default(8),
    default: '8',
    readBy: ['gateway'],
    doc: 'delivery attempts of an outgoing Beckn message before it is dead-lettered',
  }),
  GRIDLEDGER_BECKN_CALLBACK_BACKOFF_MS: variable({
    schema: wholeNumber(10, 600_000).default(1_000),
    default: '1000',
    readBy: ['gateway'],
    doc: 'the first retry delay of an outgoing Beckn message; it doubles per attempt up to 5 minutes',
  }),
  GRIDLEDGER_DISPATCH_POLL_MS: variable({
    schema: wholeNumber(50, 60_000).default(500),
    default: '500',
    readBy: ['bridge'],
    doc: 'how often the dispatch service reads the open dispatches from the ledger ([dispatch.md](dispatch.md))',
  }),
  GRIDLEDGER_DISPATCH_AUTO_PRICE_MICROS_PER_KWH: variable({
    schema: wholeNumber(0, 100_000_000).default(300_000),
    default: '300000',
    readBy: ['bridge'],
    doc: 'the price per kWh delivered of the dispatches the automatic rule sends when a feeder nears its limit',
  }),
  GRIDLEDGER_API_KEY: variable({
    schema: text.optional(),
    default: 'the operator’s from `credentials.json`',
    readBy: ['tools'],
    doc: 'the API key `audit` and `resubmit-parked` use',
  }),
  GRIDLEDGER_TEST_STATE: variable({ schema: text.optional(), readBy: ['tests'], doc: 'the e2e tests’ state directory' }),
  GRIDLEDGER_TEST_OFFSET: variable({
    schema: wholeNumber(0, 40_000).optional(),
    default: '20000',
    readBy: ['tests'],
    doc: 'the e2e tests’ port offset',
  }),
  GRIDLEDGER_TEST_KEEP: variable({
    schema: flag('1', '0').optional(),
    readBy: ['tests'],
    doc: '`1` keeps the test platform up after the run',
  }),
  GRIDLEDGER_LOAD_TESTS: variable({
    schema: flag('1', '0').optional(),
    readBy: ['tests', 'bench'],
    doc: '`1` lets jest run the load tests in `test/e2e/load/` (the bench sets it; `npm test` leaves them out)',
  }),
  GRIDLEDGER_NETNS: variable({
    schema: z.enum(['links', 'direct'], 'expected links or direct').optional(),
    readBy: ['network CLI'],
    doc:
      'each organization’s Fabric nodes in a network namespace of its own (as `--netns`; root only): ' +
      '`links` through Toxiproxy, `direct` without; see [consortium.md](consortium.md)',
  }),
  GRIDLEDGER_NETNS_TESTS: variable({
    schema: flag('1', '0').optional(),
    readBy: ['tests'],
    doc: '`1` lets jest run the network-namespace consortium test (test/e2e/68-consortium-netns; the bench runs it always)',
  }),
  GRIDLEDGER_BENCH_: variable({
    schema: text.optional(),
    readBy: ['bench'],
    doc: '`GRIDLEDGER_BENCH_*`: see [benchmarks.md](benchmarks.md#how-to-reproduce)',
  }),
  GRIDLEDGER_FLEX_BASELINE_SCHEDULER: variable({
    schema: flag('on', 'off').default('on'),
    default: 'on',
    readBy: ['scheduler'],
    doc:
      '`off` switches the Community gateway’s baseline scheduler off (it fixes demand-response baselines at the opt-in ' +
      'deadline, [flexibility.md](flexibility.md#the-baseline-scheduler))',
  }),
  GRIDLEDGER_FLEX_BASELINE_TICK_MS: variable({
    schema: wholeNumber(1).default(2_000),
    default: '2000',
    readBy: ['scheduler'],
    doc: 'the baseline scheduler’s period in milliseconds',
  }),
  GRIDLEDGER_CERT_MONTH_DAYS: variable({
    schema: wholeNumber(1, 30).default(30),
    default: '30',
    readBy: ['tests'],
    doc: 'the days of generation the certificates load test (test/e2e/load/49-certificates-month) issues and audits',
  }),
} as const;

export type ConfigName = keyof typeof CONFIG;
export type ConfigOf<N extends ConfigName> = { [K in N]: z.output<(typeof CONFIG)[K]['schema']> };

/** The variables each process validates at its start. */
export const PROCESS_VARIABLES = {
  gateway: [
    'GRIDLEDGER_STATE',
    'GRIDLEDGER_ORG',
    'GRIDLEDGER_LOG_LEVEL',
    'GRIDLEDGER_MARKET_SCHEDULER',
    'GRIDLEDGER_MARKET_TICK_MS',
    'GRIDLEDGER_MARKET_COMMUNITIES',
    'GRIDLEDGER_CERTIFICATE_SCHEDULER',
    'GRIDLEDGER_CERTIFICATE_TICK_MS',
    'GRIDLEDGER_CERTIFICATE_LOOKBACK_HOURS',
    'GRIDLEDGER_CERTIFICATE_COMMUNITIES',
    'GRIDLEDGER_ARCHIVE_SCHEDULER',
    'GRIDLEDGER_ARCHIVE_TICK_MS',
    'GRIDLEDGER_ARCHIVE_LOOKBACK_HOURS',
    'GRIDLEDGER_OPENADR_CALLBACK_HOSTS',
    'GRIDLEDGER_FLEX_BASELINE_SCHEDULER',
    'GRIDLEDGER_FLEX_BASELINE_TICK_MS',
  ],
  bridge: [
    'GRIDLEDGER_LOG_LEVEL',
    'GRIDLEDGER_TELEMETRY_RAW_HOURS',
    'GRIDLEDGER_TELEMETRY_MINUTE_DAYS',
    'GRIDLEDGER_TELEMETRY_MISSING_SECONDS',
    'GRIDLEDGER_TELEMETRY_TICK_MS',
    'GRIDLEDGER_DISPATCH_POLL_MS',
    'GRIDLEDGER_DISPATCH_AUTO_PRICE_MICROS_PER_KWH',
  ],
  tools: ['GRIDLEDGER_STATE', 'GRIDLEDGER_ORG', 'GRIDLEDGER_API_KEY', 'GRIDLEDGER_LOG_LEVEL'],
  beckn: [
    'GRIDLEDGER_BECKN_SUBSCRIBER_ID',
    'GRIDLEDGER_BECKN_KEY_ID',
    'GRIDLEDGER_BECKN_URI',
    'GRIDLEDGER_BECKN_SIGNING_KEY_FILE',
    'GRIDLEDGER_BECKN_REGISTRY_URL',
    'GRIDLEDGER_BECKN_REGISTRY_FORM',
    'GRIDLEDGER_BECKN_REGISTRY_NAME',
    'GRIDLEDGER_BECKN_REGISTRY_FILE',
    'GRIDLEDGER_BECKN_REGISTRY_CACHE_SECONDS',
    'GRIDLEDGER_BECKN_SIGNATURE_MAX_SECONDS',
    'GRIDLEDGER_BECKN_CALLBACK_ATTEMPTS',
    'GRIDLEDGER_BECKN_CALLBACK_BACKOFF_MS',
  ],
  // The network CLI passes every variable on to the processes it starts: it checks them all first.
  network: (Object.keys(CONFIG) as ConfigName[]).filter((n) => !CONFIG[n].readBy.some((r) => r === 'tests' || r === 'bench')),
} as const satisfies Record<string, readonly ConfigName[]>;

/** A configuration that cannot be used: the message names each bad variable, its value and what it expects. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The validated values of `names` from `env`, with their defaults. Throws a ConfigError naming
 * every bad variable.
 */
export function readConfig<N extends ConfigName>(names: readonly N[], env: NodeJS.ProcessEnv = process.env): ConfigOf<N> {
  const shape = Object.fromEntries(names.map((n) => [n, CONFIG[n].schema])) as Record<string, z.ZodType>;
  const input = Object.fromEntries(names.map((n) => [n, env[n] === '' ? undefined : env[n]]));
  const parsed = z.object(shape).safeParse(input);
  if (parsed.success) return parsed.data as ConfigOf<N>;
  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0]) as N;
    return `${name}=${JSON.stringify(env[name])}: ${issue.message} (${CONFIG[name].doc})`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The table of docs/operations.md, made from CONFIG. */
export function configTableMarkdown(): string {
  const rows = (Object.entries(CONFIG) as [ConfigName, Variable<z.ZodType>][]).map(([name, v]) => {
    const shown = name.endsWith('_') ? `${name}*` : name;
    return `| \`${shown}\` | ${v.readBy.join(', ')} | ${cell(v.default ?? '')} | ${cell(v.doc)} |`;
  });
  return ['| variable | read by | default | what it does |', '|---|---|---|---|', ...rows].join('\n');
}
