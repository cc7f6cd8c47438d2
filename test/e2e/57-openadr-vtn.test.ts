/**
 * The OpenADR 3.0.1 VTN on the real network (docs/openadr.md), at the Community gateway: the
 * operator (business logic) subscribes a webhook and creates an event through the VTN, which lands
 * on the ledger as a demand-response event; the third-party VEN client oadr30-ven-ud (PyPI, pinned:
 * test/openadr/install-ven.sh) gets a token with a household's API key, registers its VEN and
 * resource, reads the program and the event and posts a report, which lands on the ledger (its record and
 * hash) and which the operator then reads.
 * Bad input: an event in the past, a household creating an event, a report on another VEN's
 * resource, each refused with its code. The event starts minutes after the test: nothing waits for it.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, formatInstant } from '@gridledger/core/core';
import { hashKey, keyIdOf } from '@gridledger/gateway-api';
import { operatorClient, useMeteringInterval } from './market-support';
import { api, credentials, eventually, type JsonAnswer, newProsumerWithMeter, operatorKey, profile, sleep, uid } from './support';

const LEN = 60;
useMeteringInterval(LEN, { lateWindowSeconds: 2_160_000 });

const ROOT = join(__dirname, '..', '..');
const C = uid('adr');
const PROGRAM = `dr-${C}`;
const vtnUrl = () => `${profile().orgs.community.gateway.url}/openadr3/3.0.1`;
const clientOf = (apiKey: string) => ({ id: keyIdOf(hashKey(apiKey)), secret: apiKey });

/** test/openadr/install-ven.sh: the pinned VEN client's python, installed into the cache on first use. */
function venPython(): string {
  try {
    return execFileSync('bash', [join(ROOT, 'test/openadr/install-ven.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`the OpenADR VEN client did not install (needs python3-venv and PyPI):\n${err.stderr ?? err.message}`, { cause: e });
  }
}

async function token(apiKey: string, scope: string): Promise<string> {
  const { id, secret } = clientOf(apiKey);
  const res = await fetch(`${vtnUrl()}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret, scope }).toString(),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function vtn(tok: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: JsonAnswer }> {
  const res = await fetch(`${vtnUrl()}${path}`, {
    method,
    headers: { Authorization: `Bearer ${tok}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as JsonAnswer };
}

async function household(name: string): Promise<{ participantId: string; apiKey: string }> {
  const participantId = uid(name);
  const res = await api('community', operatorKey(), 'POST', '/participants', { participantId, role: 'prosumer' });
  expect(res.status).toBe(201);
  return { participantId, apiKey: String(res.body.apiKey) };
}

function runVen(python: string, apiKey: string, venName: string, resourceName: string, eventId: string): Promise<JsonAnswer> {
  const { id, secret } = clientOf(apiKey);
  const cwd = mkdtempSync(join(tmpdir(), 'gridledger-ven-'));
  const args = [join(ROOT, 'test/openadr/ven.py'), vtnUrl(), id, secret, venName, resourceName, PROGRAM, eventId];
  return new Promise((resolve, reject) => {
    execFile(python, args, { cwd }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ven.py failed: ${stderr}`));
      else resolve(JSON.parse(stdout) as JsonAnswer);
    });
  });
}

let webhook: Server;
const notified: JsonAnswer[] = [];
beforeAll(async () => {
  webhook = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      notified.push({ authorization: req.headers.authorization, ...(JSON.parse(data) as JsonAnswer) });
      res.end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
});
afterAll(() => {
  webhook.closeAllConnections();
  webhook.close();
});

it('a third-party VEN reads the event created on the ledger through the VTN and posts a report; bad input is refused', async () => {
  const python = venPython();
  const [a, b] = await Promise.all([household('vena'), household('venb')]);
  const op = await token(operatorKey(), 'read_all write_events write_subscriptions');

  const callbackUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/oadr`;
  const objectOperations = [{ objects: ['EVENT'], operations: ['CREATE'], callbackUrl, bearerToken: 'hook-secret' }];
  const sub = await vtn(op, 'POST', '/subscriptions', { clientName: 'operator', programID: PROGRAM, objectOperations });
  expect(sub.status).toBe(201);

  // The event: two 60 s intervals starting at least two minutes from now.
  const S = Math.ceil((Date.now() / 1000 + 120) / LEN) * LEN;
  const payloads = [
    { type: 'PRICE', values: [0.4] },
    { type: 'DISPATCH_SETPOINT_RELATIVE', values: [-12000] },
  ];
  const event = {
    id: uid('ev'),
    programID: PROGRAM,
    targets: [
      { type: 'GL_COMMUNITY', values: [C] },
      { type: 'GL_ZONE', values: ['z1'] },
    ],
    intervalPeriod: { start: formatInstant(S), duration: `PT${2 * LEN}S` },
    intervals: [{ id: 0, payloads }],
  };
  const aTok = await token(a.apiKey, 'read_all');
  expect((await vtn(aTok, 'POST', '/events', event)).body.error?.code).toBe('OPENADR_SCOPE_MISSING');
  const past = { ...event, intervalPeriod: { ...event.intervalPeriod, start: formatInstant(S - 10 * LEN) } };
  const refused = await vtn(op, 'POST', '/events', past);
  expect([refused.status, refused.body.error?.code]).toEqual([422, 'FLEX_EVENT_IN_PAST']);
  const created = await vtn(op, 'POST', '/events', event);
  expect([created.status, created.body.id, created.body.programID]).toEqual([201, event.id, PROGRAM]);

  // On the ledger: the demand-response event of the operator, with the price and target of the payloads.
  const onLedger = await api('community', operatorKey(), 'GET', `/flex/events/${event.id}`);
  expect(onLedger.status).toBe(200);
  expect(onLedger.body.event).toMatchObject({
    programId: PROGRAM,
    communityId: C,
    zoneIds: ['z1'],
    start: formatInstant(S),
    end: formatInstant(S + 2 * LEN),
    targetReductionW: 12000,
    priceMicrosPerKwh: 400000,
    intervals: [formatInstant(S), formatInstant(S + LEN)],
  });

  // The third-party VEN, with household a's API key as its client credentials.
  const resourceName = `${a.participantId}.battery`;
  const seen = await runVen(python, a.apiKey, `${a.participantId}-ven`, resourceName, event.id);
  expect(seen).toMatchObject({ resources: [resourceName], programIds: expect.arrayContaining([PROGRAM]), reported: true });
  expect(seen.tokenScope).not.toContain('read_all');
  expect(seen.events).toEqual([
    {
      id: event.id,
      programID: PROGRAM,
      targets: event.targets,
      intervals: [0, 1].map((k) => ({ intervalPeriod: { start: formatInstant(S + k * LEN), duration: `PT${LEN}S` }, payloads })),
    },
  ]);

  // Its report, read by the operator through the VTN.
  const reports = await vtn(op, 'GET', `/reports?eventID=${event.id}`);
  expect(reports.status).toBe(200);
  expect(reports.body).toEqual([
    expect.objectContaining({
      objectType: 'REPORT',
      programID: PROGRAM,
      eventID: event.id,
      resources: [expect.objectContaining({ resourceName })],
    }),
  ]);
  // On the ledger: the household's report record, its hash that of the report the VTN keeps.
  const client = operatorClient();
  try {
    const onChain = JSON.parse(await client.evaluate('flex:listReports', event.id)) as JsonAnswer[];
    expect(onChain).toEqual([
      expect.objectContaining({ participantId: a.participantId, reportId: reports.body[0].id, resourceNames: [resourceName] }),
    ]);
    expect(onChain[0].sha256).toBe(reports.body[0].ledger.sha256);
    const { id: _id, objectType: _t, createdDateTime: _c, modificationDateTime: _m, ledger: _l, ...posted } = reports.body[0];
    expect(createHash('sha256').update(canonicalJson(posted)).digest('hex')).toBe(onChain[0].sha256);
  } finally {
    client.close();
  }
  const ven = await vtn(op, 'GET', `/vens/${String(seen.venId)}`);
  expect(ven.body).toMatchObject({ venName: `${a.participantId}-ven`, resources: [expect.objectContaining({ resourceName })] });

  // Household b's VEN reports on a's resource: refused.
  const bTok = await token(b.apiKey, '');
  expect((await vtn(bTok, 'POST', '/vens', { venName: `${b.participantId}-ven`, resources: [{ resourceName: 'b-ev' }] })).status).toBe(201);
  const foreign = { programID: PROGRAM, eventID: event.id, clientName: 'b', resources: [{ resourceName, intervals: [] }] };
  const denied = await vtn(bTok, 'POST', '/reports', foreign);
  expect([denied.status, denied.body.error?.code]).toEqual([403, 'OPENADR_FOREIGN_RESOURCE']);
  expect((await vtn(bTok, 'GET', '/reports')).body).toEqual([]);

  // An event the utility calls through the REST API at its own gateway: the Community's VTN follows the ledger and lists it.
  const rest = {
    eventId: uid('ev'),
    programId: PROGRAM,
    communityId: C,
    zoneIds: ['z2'],
    start: formatInstant(S + 4 * LEN),
    end: formatInstant(S + 5 * LEN),
    targetReductionW: 5000,
    priceMicrosPerKwh: 250_000,
    optInDeadline: formatInstant(S),
  };
  expect((await api('utility', credentials().apiKeys.utility.utility, 'POST', '/flex/events', rest)).status).toBe(201);
  let listed: JsonAnswer[] = [];
  for (let k = 0; k < 60 && listed.length < 2; k++) {
    listed = (await vtn(aTok, 'GET', `/events?programID=${PROGRAM}`)).body as JsonAnswer[];
    if (listed.length < 2) await sleep(250);
  }
  expect(listed.map((e) => e.id)).toEqual([event.id, rest.eventId]);
  const zoned = await vtn(aTok, 'GET', `/events?programID=${PROGRAM}&targetType=GL_ZONE&targetValues=z2&limit=5`);
  expect(zoned.body.map((e: JsonAnswer) => [e.id, e.intervals[0].payloads])).toEqual([
    [
      rest.eventId,
      [
        { type: 'PRICE', values: [0.25] },
        { type: 'DISPATCH_SETPOINT_RELATIVE', values: [-5000] },
      ],
    ],
  ]);
  expect((await vtn(aTok, 'GET', `/events?programID=${PROGRAM}&skip=1`)).body.map((e: JsonAnswer) => e.id)).toEqual([rest.eventId]);

  // The webhook was told of both events, with the subscription's bearer token.
  for (let k = 0; k < 40 && notified.length < 2; k++) await sleep(250);
  expect(notified).toEqual(
    [event.id, rest.eventId].map((id) =>
      expect.objectContaining({
        authorization: 'Bearer hook-secret',
        objectType: 'EVENT',
        operation: 'POST',
        object: expect.objectContaining({ id }),
      }),
    ),
  );
});

it("a report on a resource naming the household's meter arrives as its telemetry; another household's meter is refused", async () => {
  const [home, other] = await Promise.all([newProsumerWithMeter(), newProsumerWithMeter()]);
  const op = await token(operatorKey(), 'read_all write_events');
  const S = Math.ceil((Date.now() / 1000 + 120) / LEN) * LEN;
  const event = {
    id: uid('evt'),
    programID: PROGRAM,
    targets: [
      { type: 'GL_COMMUNITY', values: [C] },
      { type: 'GL_ZONE', values: ['z1'] },
    ],
    intervalPeriod: { start: formatInstant(S), duration: `PT${LEN}S` },
    intervals: [
      {
        id: 0,
        payloads: [
          { type: 'PRICE', values: [0.3] },
          { type: 'DISPATCH_SETPOINT_RELATIVE', values: [-2000] },
        ],
      },
    ],
  };
  expect((await vtn(op, 'POST', '/events', event)).status).toBe(201);

  const tok = await token(home.apiKey, '');
  const named = (resourceName: string, meterId: string) => ({ resourceName, attributes: [{ type: 'GL_METER_ID', values: [meterId] }] });
  const venName = `${home.participantId}-ven`;
  const denied = await vtn(tok, 'POST', '/vens', { venName, resources: [named('theirs', other.meterId)] });
  expect([denied.status, denied.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
  const ven = await vtn(tok, 'POST', '/vens', { venName, resources: [named('home', home.meterId)] });
  expect(ven.status).toBe(201);

  // Two one-minute intervals that have just begun: 1,234 W consumed, then 50 Wh in the minute (3,000 W on average).
  const minute = Math.floor(Date.now() / 60_000) * 60 - 60;
  const report = {
    programID: PROGRAM,
    eventID: event.id,
    clientName: 'home-ven',
    payloadDescriptors: [
      { payloadType: 'DEMAND', units: 'W' },
      { payloadType: 'USAGE', units: 'WH' },
    ],
    resources: [
      {
        resourceName: 'home',
        intervals: [
          { id: 0, intervalPeriod: { start: formatInstant(minute), duration: 'PT1M' }, payloads: [{ type: 'DEMAND', values: [1234] }] },
          { id: 1, intervalPeriod: { start: formatInstant(minute + 60), duration: 'PT1M' }, payloads: [{ type: 'USAGE', values: [50] }] },
        ],
      },
    ],
  };
  const posted = await vtn(tok, 'POST', '/reports', report);
  expect([posted.status, posted.body.telemetry]).toEqual([201, { samples: 2, skipped: [] }]);

  // At the telemetry service, as the meter's samples (no frequency or voltage: a report has none); the household reads them.
  const path = `/meters/${home.meterId}/telemetry?resolution=raw&from=${formatInstant(minute - 60)}&to=${formatInstant(minute + 180)}`;
  const series = await eventually(async () => {
    const res = await api('community', home.apiKey, 'GET', path);
    return res.status === 200 && (res.body.series as JsonAnswer[]).length === 2 ? (res.body.series as JsonAnswer[]) : undefined;
  }, 30_000);
  expect(series.map((x) => [x.at, x.powerW, x.voltageMv, x.frequencyMHz])).toEqual([
    [formatInstant(minute), -1234, undefined, undefined],
    [formatInstant(minute + 60), -3000, undefined, undefined],
  ]);
  // The operator's live view has the meter's latest sample.
  const live = await api('community', operatorKey(), 'GET', `/communities/${profile().mqtt.communityId}/grid/live`);
  expect((live.body.devices as JsonAnswer[]).find((d) => d.deviceId === home.meterId)).toMatchObject({ powerW: -3000 });

  // The VEN changes its resource (the meter checked again), then deletes itself: a report on the resource is then refused.
  const resourcePath = `/vens/${String(ven.body.id)}/resources/${String(ven.body.resources[0].id)}`;
  const foreignMeter = await vtn(tok, 'PUT', resourcePath, named('home', other.meterId));
  expect([foreignMeter.status, foreignMeter.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
  const renamed = await vtn(tok, 'PUT', resourcePath, named('home-2', home.meterId));
  expect([renamed.status, renamed.body.resourceName]).toEqual([200, 'home-2']);
  expect((await vtn(tok, 'DELETE', `/vens/${String(ven.body.id)}`)).status).toBe(200);
  const gone = await vtn(tok, 'POST', '/reports', { ...report, resources: [{ ...report.resources[0], resourceName: 'home-2' }] });
  expect([gone.status, gone.body.error?.code]).toEqual([403, 'OPENADR_FOREIGN_RESOURCE']);
  // The event is the ledger's: the VTN neither changes nor deletes it.
  const writer = await token(operatorKey(), 'read_all write_events');
  expect((await vtn(writer, 'DELETE', `/events/${event.id}`)).body.error?.code).toBe('OPENADR_LEDGER_RECORD');
});
