/** The OpenADR 3 VTN (routes/openadr.ts): the mapping of our events, the scopes, and the routes on a fake ledger. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FlexEvent } from '@gridledger/core';
import { canonicalJson } from '@gridledger/core/core';
import { grantScopes, OAuthError } from '../src/openadr/auth';
import { eventMatches, flexRequestOf, toOadrEvent } from '../src/openadr/mapping';
import { callbackAllowed, DEFAULT_CALLBACK_HOSTS, parseCallbackHosts } from '../src/openadr/callback-hosts';
import { callbacksFor, deliver } from '../src/openadr/notify';
import { CapturingLogger, Harness, startHarness } from './support/fakes';
import { meterOfAttributes, reportSamples } from '../src/openadr/report-telemetry';
import { samplePayload, type TelemetryRelay } from '../src/openadr/telemetry-relay';
import { VtnStore } from '../src/openadr/store';

const VTN = '/openadr3/3.0.1';

const ledgerEvent: FlexEvent = {
  eventId: 'ev-7',
  programId: 'dr-1',
  communityId: 'community-1',
  zoneIds: ['z1', 'z2'],
  start: '2026-12-07T17:00:00Z',
  end: '2026-12-07T17:30:00Z',
  targetReductionW: 12000,
  priceMicrosPerKwh: 400000,
  shortfallPriceMicrosPerKwh: 0,
  optInDeadline: '2026-12-07T16:00:00Z',
  baseline: {
    method: 'pge-residential',
    adjustmentIntervals: 12,
    adjustmentGapIntervals: 4,
    adjustmentCapPpm: 400000,
    lookbackDays: 45,
    holidays: [],
  },
  intervalSeconds: 900,
  intervals: ['2026-12-07T17:00:00Z', '2026-12-07T17:15:00Z'],
  noticeSeconds: 3600,
  calledBy: 'op-1',
  mspId: 'CommunityMSP',
  calledAt: '2026-12-07T16:00:00Z',
  txId: 'tx-1',
};

describe('mapping', () => {
  it('serves a ledger event as an OpenADR event: targets, the window, one interval per metering interval with price and reduction', () => {
    const e = toOadrEvent(ledgerEvent);
    expect(e).toMatchObject({
      id: 'ev-7',
      objectType: 'EVENT',
      programID: 'dr-1',
      targets: [
        { type: 'GL_COMMUNITY', values: ['community-1'] },
        { type: 'GL_ZONE', values: ['z1', 'z2'] },
      ],
      intervalPeriod: { start: '2026-12-07T17:00:00Z', duration: 'PT1800S' },
    });
    expect(e.intervals).toEqual(
      [0, 1].map((id) => ({
        id,
        intervalPeriod: { start: ledgerEvent.intervals[id], duration: 'PT900S' },
        payloads: [
          { type: 'PRICE', values: [0.4] },
          { type: 'DISPATCH_SETPOINT_RELATIVE', values: [-12000] },
        ],
      })),
    );
  });

  it('reads a flex call back from an OpenADR event, the opt-in deadline halfway to the start', () => {
    const now = Date.parse('2026-12-07T16:00:00Z') / 1000;
    const body = { ...toOadrEvent(ledgerEvent), id: undefined, eventName: 'my event' };
    const { programId, communityId, zoneIds, start, end, targetReductionW, priceMicrosPerKwh } = ledgerEvent;
    expect(flexRequestOf(body, 'oadr-1', now)).toEqual({
      eventId: 'oadr-1',
      programId,
      communityId,
      zoneIds,
      start,
      end,
      targetReductionW,
      priceMicrosPerKwh,
      optInDeadline: '2026-12-07T16:30:00Z',
    });
    expect(flexRequestOf({ ...body, eventName: 'ev-9' }, 'oadr-1', now).eventId).toBe('ev-9');
  });

  it.each([
    [{ targets: [] }, 'body.targets'],
    [{ intervalPeriod: { start: '2026-12-07T17:00:00Z', duration: 'P1D' } }, 'body.intervalPeriod'],
    [{ intervals: [{ id: 0, payloads: [{ type: 'PRICE', values: ['cheap'] }] }] }, 'body.intervals'],
    [{ programID: 'a b' }, 'body.programID'],
  ])('refuses %j with REQUEST_INVALID at %s', (change, path) => {
    expect(() => flexRequestOf({ ...toOadrEvent(ledgerEvent), ...change }, 'x', 0)).toThrow(
      expect.objectContaining({ code: 'REQUEST_INVALID', details: { path } }),
    );
  });

  it('filters by program and by a target type holding one of the values', () => {
    const e = toOadrEvent(ledgerEvent);
    expect(eventMatches(e, { programID: 'dr-1' })).toBe(true);
    expect(eventMatches(e, { programID: 'dr-2' })).toBe(false);
    expect(eventMatches(e, { targetType: 'GL_ZONE', targetValues: ['z9', 'z2'] })).toBe(true);
    expect(eventMatches(e, { targetType: 'GL_ZONE', targetValues: ['z9'] })).toBe(false);
  });
});

describe('scopes', () => {
  it('grants what was asked of what the role may have, and all it may have when none of it was asked', () => {
    expect(grantScopes('operator', 'write_events read_all')).toEqual(['read_all', 'write_events']);
    expect(grantScopes('prosumer', 'read_all')).toEqual([
      'read_targets',
      'read_ven_objects',
      'write_reports',
      'write_subscriptions',
      'write_vens',
    ]);
    expect(grantScopes('regulator', undefined)).toEqual(['read_all']);
    expect(() => grantScopes('prosumer', 'read_everything')).toThrow(expect.objectContaining({ error: 'invalid_scope' }));
    expect(() => grantScopes('meter-bridge', '')).toThrow(OAuthError);
  });
});

describe('webhooks', () => {
  let server: Server;
  let url: string;
  const seen: { auth?: string; body: unknown; path?: string }[] = [];
  let failFirst = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        if (req.url === '/cbredirect') {
          res.writeHead(307, { Location: '/elsewhere' }).end();
          return;
        }
        seen.push({ auth: req.headers.authorization, body: JSON.parse(data), ...(req.url === '/cb' ? {} : { path: req.url }) });
        res.statusCode = failFirst-- > 0 ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('picks the callbacks of the object type, operation and program', () => {
    const op = { objects: ['EVENT'], operations: ['CREATE'], callbackUrl: url };
    const subs = [
      { programID: 'dr-1', objectOperations: [op] },
      { programID: 'dr-2', objectOperations: [op] },
    ];
    expect(callbacksFor(subs, { objectType: 'EVENT', operation: 'POST', object: {} }, 'dr-1')).toEqual([op]);
    expect(callbacksFor(subs, { objectType: 'REPORT', operation: 'POST', object: {} }, 'dr-1')).toEqual([]);
  });

  it('tries a failing callback again with the bearer token, and gives up after the last try', async () => {
    seen.length = 0;
    failFirst = 2;
    const log = new CapturingLogger();
    const op = { objects: ['EVENT'], operations: ['CREATE'], callbackUrl: url, bearerToken: 'tok' };
    const n = { objectType: 'EVENT', operation: 'POST', object: { id: 'ev-1' } } as const;
    await expect(deliver(op, n, log, undefined, [5, 5, 5])).resolves.toBe(3);
    expect(seen).toHaveLength(3);
    expect(seen[2]).toEqual({ auth: 'Bearer tok', body: { objectType: 'EVENT', operation: 'POST', object: { id: 'ev-1' } } });
    failFirst = 10;
    await expect(deliver(op, { objectType: 'EVENT', operation: 'POST', object: {} }, log, undefined, [5, 5])).resolves.toBe(0);
    expect(log.lines.some((l) => l.msg === 'OpenADR callback given up')).toBe(true);
  });

  it('calls no host the list does not allow, and follows no redirect', async () => {
    seen.length = 0;
    failFirst = 0;
    const log = new CapturingLogger();
    const op = { objects: ['EVENT'], operations: ['CREATE'], callbackUrl: url };
    const n = { objectType: 'EVENT', operation: 'POST', object: {} } as const;
    await expect(deliver(op, n, log, ['ven.example.org'], [5])).resolves.toBe(0);
    expect(seen).toHaveLength(0);
    expect(log.lines.some((l) => l.msg === 'OpenADR callback not allowed')).toBe(true);
    await expect(deliver({ ...op, callbackUrl: `${url}redirect` }, n, log, undefined, [5])).resolves.toBe(0);
    expect(seen).toHaveLength(0);
  });
});

describe('callback hosts', () => {
  const allowed = (u: string, list: string) => callbackAllowed(new URL(u), parseCallbackHosts(list));
  it('allows listed hosts, host:port only on that port, *.domain below it, and * anything', () => {
    expect(allowed('http://127.0.0.1:9/x', DEFAULT_CALLBACK_HOSTS.join(','))).toBe(true);
    expect(allowed('http://[::1]:9/x', DEFAULT_CALLBACK_HOSTS.join(','))).toBe(true);
    expect(allowed('http://10.0.0.7/x', DEFAULT_CALLBACK_HOSTS.join(','))).toBe(false);
    expect(allowed('https://VEN.example.org/x', ' ven.example.org , other')).toBe(true);
    expect(allowed('https://ven.example.org:8443/x', 'ven.example.org:8443')).toBe(true);
    expect(allowed('https://ven.example.org/x', 'ven.example.org:8443')).toBe(false);
    expect(allowed('https://ven.example.org/x', 'ven.example.org:443')).toBe(true);
    expect(allowed('https://a.ven.example.org/x', '*.example.org')).toBe(true);
    expect(allowed('https://example.org/x', '*.example.org')).toBe(false);
    expect(allowed('https://badexample.org/x', '*.example.org')).toBe(false);
    expect(allowed('http://169.254.169.254/latest', '*')).toBe(true);
    expect(allowed('http://127.0.0.1.evil.example/x', '127.0.0.1')).toBe(false);
  });
});

describe('store', () => {
  it('adds the modification time to a store made before objects could change, keeping its objects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vtn-store-'));
    const file = join(dir, 'openadr-vtn.sqlite');
    const old = new DatabaseSync(file);
    old.exec(`CREATE TABLE objects (kind TEXT NOT NULL, id TEXT NOT NULL, owner TEXT NOT NULL, parent TEXT NOT NULL,
      name TEXT NOT NULL, created TEXT NOT NULL, body TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, UNIQUE (kind, id));
      INSERT INTO objects (kind, id, owner, parent, name, created, body)
        VALUES ('ven', 'ven-1', 'alice', '', 'v', '2026-12-01T00:00:00Z', '{}');`);
    old.close();
    const store = new VtnStore(file);
    expect(store.get('ven', 'ven-1')).toMatchObject({ name: 'v', modificationDateTime: '2026-12-01T00:00:00Z' });
    expect(store.replace('ven', 'ven-1', 'w', { venName: 'w' }, '2026-12-07T00:00:00Z')).toBe(true);
    expect(store.get('ven', 'ven-1')).toMatchObject({
      name: 'w',
      createdDateTime: '2026-12-01T00:00:00Z',
      modificationDateTime: '2026-12-07T00:00:00Z',
    });
    expect([store.remove('ven', 'ven-1'), store.remove('ven', 'ven-1')]).toEqual([true, false]);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('reports as telemetry', () => {
  const now = Date.parse('2026-12-07T16:10:00Z') / 1000;
  const meters = new Map([['home-bat', 'home.main']]);
  const interval = (id: number, start: string, payloads: unknown[], duration = 'PT5M') => ({
    id,
    intervalPeriod: { start, duration },
    payloads,
  });

  it('reads the meter a resource names, and refuses a malformed GL_METER_ID', () => {
    expect(
      meterOfAttributes([
        { type: 'X', values: [1] },
        { type: 'GL_METER_ID', values: ['m-1'] },
      ]),
    ).toBe('m-1');
    expect(meterOfAttributes(undefined)).toBeUndefined();
    expect(meterOfAttributes([{ type: 'X', values: [] }])).toBeUndefined();
    for (const bad of [{}, [{ type: 'GL_METER_ID', values: ['a', 'b'] }], [{ type: 'GL_METER_ID', values: [7] }]])
      expect(() => meterOfAttributes(bad)).toThrow(/GL_METER_ID|array/);
  });

  it('makes a sample per interval: DEMAND as minus the power consumed, USAGE as minus its mean power, in the units described', () => {
    const report = {
      payloadDescriptors: [{ payloadType: 'USAGE', units: 'KWH' }],
      resources: [
        {
          resourceName: 'home-bat',
          intervals: [
            interval(0, '2026-12-07T16:00:00Z', [{ type: 'DEMAND', values: [1500] }]),
            // 0.25 kWh in 5 minutes: 3 kW consumed on average.
            interval(1, '2026-12-07T16:05:00Z', [{ type: 'USAGE', values: [0.25] }]),
            // Both: DEMAND is taken. A negative demand is an export.
            interval(2, '2026-12-07T16:06:00.600Z', [
              { type: 'USAGE', values: [1] },
              { type: 'DEMAND', values: [-800.4] },
            ]),
          ],
        },
        { resourceName: 'no-meter', intervals: [interval(0, '2026-12-07T16:00:00Z', [{ type: 'DEMAND', values: [1] }])] },
      ],
    };
    const at = (iso: string) => Date.parse(iso) / 1000;
    expect(reportSamples(report, meters, now)).toEqual({
      samples: [
        {
          meterId: 'home.main',
          atSeconds: at('2026-12-07T16:00:00Z'),
          powerW: -1500,
          resourceName: 'home-bat',
          intervalId: 0,
          payloadType: 'DEMAND',
        },
        {
          meterId: 'home.main',
          atSeconds: at('2026-12-07T16:05:00Z'),
          powerW: -3000,
          resourceName: 'home-bat',
          intervalId: 1,
          payloadType: 'USAGE',
        },
        {
          meterId: 'home.main',
          atSeconds: at('2026-12-07T16:06:00Z'),
          powerW: 800,
          resourceName: 'home-bat',
          intervalId: 2,
          payloadType: 'DEMAND',
        },
      ],
      skipped: [],
    });
  });

  it("takes the resource's period for intervals without one, and names every interval it cannot use with why", () => {
    const report = {
      payloadDescriptors: [{ payloadType: 'DEMAND', units: 'MW' }],
      resources: [
        {
          resourceName: 'home-bat',
          intervalPeriod: { start: '2026-12-07T16:09:00Z', duration: 'PT1M' },
          intervals: [
            { id: 0, payloads: [{ type: 'USAGE', values: [10] }] },
            { id: 1, payloads: [{ type: 'OPERATING_STATE', values: ['NORMAL'] }] },
            { id: 2, payloads: [{ type: 'DEMAND', values: [5] }] },
            interval(3, '2026-12-07T15:09:59Z', [{ type: 'USAGE', values: [1] }]),
            interval(4, '2026-12-07T16:11:01Z', [{ type: 'USAGE', values: [1] }]),
            interval(5, '2026-12-07T16:09:00Z', [{ type: 'USAGE', values: [1e12] }]),
            interval(6, '2026-12-07T16:09:00Z', [{ type: 'USAGE', values: [1] }], 'P1D'),
          ],
        },
      ],
    };
    const { samples, skipped } = reportSamples(report, meters, now);
    // 10 Wh in a minute: 600 W consumed.
    expect(samples).toEqual([
      expect.objectContaining({ intervalId: 0, powerW: -600, atSeconds: Date.parse('2026-12-07T16:09:00Z') / 1000 }),
    ]);
    expect(skipped.map((x) => [x.intervalId, x.reason])).toEqual([
      [1, 'no-value'],
      [2, 'units'],
      [3, 'too-old'],
      [4, 'ahead'],
      [5, 'out-of-range'],
      [6, 'no-period'],
    ]);
    const noPeriod = { resources: [{ resourceName: 'home-bat', intervals: [{ id: 9, payloads: [{ type: 'DEMAND', values: [1] }] }] }] };
    expect(reportSamples(noPeriod, meters, now).skipped).toEqual([{ resourceName: 'home-bat', intervalId: 9, reason: 'no-period' }]);
  });

  it('publishes a sample as a meter would, without frequency and voltage', () => {
    const s = { meterId: 'm', zone: 'z1', atSeconds: now, powerW: -5, resourceName: 'r', intervalId: 0, payloadType: 'DEMAND' as const };
    expect(JSON.parse(samplePayload(s))).toEqual({ deviceId: 'm', zone: 'z1', at: '2026-12-07T16:10:00Z', powerW: -5 });
  });
});

describe('routes', () => {
  let h: Harness;
  const relayed: unknown[][] = [];
  const relay: TelemetryRelay = {
    publish: (samples) => {
      relayed.push([...samples]);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  beforeEach(async () => {
    relayed.length = 0;
    h = await startHarness({ vtnTelemetry: { relay, communityId: 'community-1' } });
    const events = new Map<string, FlexEvent>();
    h.ledger.submitHandler = (fn, args, u) => {
      if (fn === 'flex:recordReport')
        return { ...(JSON.parse(args[2]) as object), eventId: args[0], participantId: args[1], at: '2026-12-07T16:05:00Z', txId: 'tx-r' };
      if (fn !== 'flex:callEvent') return {};
      const req = JSON.parse(args[0]) as FlexEvent;
      const e = { ...ledgerEvent, ...req, intervals: [req.start], intervalSeconds: 900, calledBy: u.id };
      events.set(e.eventId, e);
      return e;
    };
    h.ledger.evaluateHandler = (fn, args) => {
      if (fn !== 'flex:getEvent') return {};
      const e = events.get(args[0]) ?? (args[0] === 'ev-7' ? ledgerEvent : undefined);
      if (!e) throw Object.assign(new Error('no event'), { code: 'FLEX_EVENT_NOT_FOUND' });
      return { event: e, optIns: [] };
    };
  });
  afterEach(() => h.close());

  const token = async (user: 'operator' | 'alice' | 'bob', scope = 'read_all') => {
    const apiKey = h.key[user];
    const keyId = h.keys.lookup(apiKey)!.record.keyId;
    const res = await h.fetch(`${VTN}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: keyId, client_secret: apiKey, scope }).toString(),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const vtn = async (path: string, tok: string, json?: unknown) => {
    const res = await h.fetch(`${VTN}${path}`, json === undefined ? { key: tok } : { method: 'POST', key: tok, json });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
  };
  const eventBody = { ...toOadrEvent({ ...ledgerEvent, start: '2099-01-01T10:00:00Z', intervals: ['2099-01-01T10:00:00Z'] }), id: 'ev-8' };

  it('refuses a wrong secret or grant as OAuth errors, and a request without a token', async () => {
    const keyId = h.keys.lookup(h.key.alice)!.record.keyId;
    const form = (f: Record<string, string>) =>
      h.fetch(`${VTN}/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(f).toString(),
      });
    const wrong = await form({ grant_type: 'client_credentials', client_id: keyId, client_secret: h.key.bob });
    expect([wrong.status, await wrong.json()]).toEqual([401, expect.objectContaining({ error: 'invalid_client' })]);
    const grant = await form({ grant_type: 'password', client_id: keyId, client_secret: h.key.alice });
    expect([grant.status, await grant.json()]).toEqual([400, expect.objectContaining({ error: 'unsupported_grant_type' })]);
    const none = await vtn('/programs', 'not-a-token');
    expect([none.status, none.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('creates an event on the ledger for write_events, refuses it to a VEN, and tells subscribers', async () => {
    const received: unknown[] = [];
    const server = createServer((req, res) => {
      let d = '';
      req.on('data', (c) => (d += c));
      req.on('end', () => {
        received.push(JSON.parse(d));
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const alice = await token('alice');
      const callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const sub = await vtn('/subscriptions', alice, {
        clientName: 'v',
        programID: 'dr-1',
        objectOperations: [{ objects: ['EVENT'], operations: ['CREATE'], callbackUrl }],
      });
      expect(sub.status).toBe(201);
      const refused = await vtn('/events', alice, eventBody);
      expect([refused.status, refused.body.error?.code]).toEqual([403, 'OPENADR_SCOPE_MISSING']);
      const op = await token('operator', 'write_events read_all');
      const created = await vtn('/events', op, eventBody);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: 'ev-8', programID: 'dr-1', objectType: 'EVENT' });
      const call = h.ledger.calls.find((c) => c.fn === 'flex:callEvent')!;
      expect(call.user).toBe('op-1');
      expect(JSON.parse(call.args[0])).toMatchObject({
        eventId: 'ev-8',
        targetReductionW: 12000,
        priceMicrosPerKwh: 400000,
        zoneIds: ['z1', 'z2'],
      });
      for (let k = 0; k < 100 && received.length === 0; k++) await new Promise((r) => setTimeout(r, 10));
      expect(received).toEqual([
        expect.objectContaining({ objectType: 'EVENT', operation: 'POST', object: expect.objectContaining({ id: 'ev-8' }) }),
      ]);
      const list = await vtn('/events?programID=dr-1&limit=1', alice);
      expect([list.status, (list.body as unknown as { id: string }[]).map((e) => e.id)]).toEqual([200, ['ev-8']]);
      const programs = await vtn('/programs', alice);
      expect((programs.body as unknown as { id: string }[]).map((p) => p.id)).toEqual(['dr-1']);
      const badLimit = await vtn('/events?limit=51', alice);
      expect([badLimit.status, badLimit.body.error?.code]).toEqual([400, 'REQUEST_INVALID']);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('refuses a webhook to a host the operator does not allow, with its code, and keeps no subscription', async () => {
    const alice = await token('alice');
    const objectOperations = [{ objects: ['EVENT'], operations: ['CREATE'], callbackUrl: 'http://169.254.169.254/latest/meta-data' }];
    const refused = await vtn('/subscriptions', alice, { clientName: 'v', programID: 'dr-1', objectOperations });
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'OPENADR_CALLBACK_NOT_ALLOWED']);
    const list = await vtn('/subscriptions', alice);
    expect(list.body).toEqual([]);
  });

  it('lists an event called outside the VTN once the ledger stream brings its FlexEventCalled', async () => {
    const payload = new TextEncoder().encode(JSON.stringify(ledgerEvent));
    h.ledger.events = [{ blockNumber: 3n, txId: 'tx-9', name: 'FlexEventCalled', payload }];
    const alice = await token('alice');
    let ids: string[] = [];
    for (let k = 0; k < 100 && ids.length === 0; k++) {
      ids = ((await vtn('/events?targetType=GL_ZONE&targetValues=z2', alice)).body as unknown as { id: string }[]).map((e) => e.id);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(ids).toEqual(['ev-7']);
    expect(h.ledger.opened).toEqual([0n]);
    expect((await vtn('/events?targetType=GL_ZONE&targetValues=z9', alice)).body).toEqual([]);
  });

  it("takes a VEN's report on its own resources and refuses one on another VEN's resource", async () => {
    const alice = await token('alice');
    const bob = await token('bob');
    const ven = await vtn('/vens', alice, { venName: 'alice-ven', resources: [{ resourceName: 'alice-battery' }] });
    expect(ven.status).toBe(201);
    expect(ven.body.resources).toEqual([
      expect.objectContaining({ resourceName: 'alice-battery', venID: ven.body.id, objectType: 'RESOURCE' }),
    ]);
    expect((await vtn('/vens', bob, { venName: 'alice-ven' })).body.error?.code).toBe('OPENADR_NAME_TAKEN');
    expect((await vtn(`/vens/${ven.body.id as string}`, bob)).body.error?.code).toBe('OPENADR_OBJECT_NOT_FOUND');
    await vtn('/vens', bob, { venName: 'bob-ven', resources: [{ resourceName: 'bob-ev' }] });
    const report = (resourceName: string) => ({
      programID: 'dr-1',
      eventID: 'ev-7',
      clientName: 'c',
      resources: [{ resourceName, intervals: [{ id: 0, payloads: [{ type: 'USAGE', values: [250] }] }] }],
    });
    const foreign = await vtn('/reports', alice, report('bob-ev'));
    expect([foreign.status, foreign.body.error]).toEqual([
      403,
      expect.objectContaining({ code: 'OPENADR_FOREIGN_RESOURCE', details: { resourceName: 'bob-ev' } }),
    ]);
    const posted = await vtn('/reports', alice, report('alice-battery'));
    expect([posted.status, posted.body.objectType]).toEqual([201, 'REPORT']);
    // On the ledger as alice: its resources, payload types and the hash of the report as posted.
    const recorded = h.ledger.calls.filter((c) => c.fn === 'flex:recordReport');
    expect(recorded.map((c) => [c.user, c.args[0], c.args[1]])).toEqual([['alice', 'ev-7', 'alice']]);
    const sha256 = createHash('sha256')
      .update(canonicalJson(report('alice-battery')))
      .digest('hex');
    expect(JSON.parse(recorded[0].args[2])).toEqual({
      reportId: posted.body.id,
      clientName: 'c',
      resourceNames: ['alice-battery'],
      payloadTypes: ['USAGE'],
      sha256,
    });
    expect(posted.body.ledger).toEqual({ txId: 'tx-r', sha256 });
    const op = await token('operator');
    const all = await vtn('/reports?eventID=ev-7', op);
    expect((all.body as unknown as { id: string }[]).map((r) => r.id)).toEqual([posted.body.id]);
    expect(await vtn('/reports', bob)).toEqual({ status: 200, body: [] });
  });

  it("relays a report's DEMAND and USAGE as telemetry of the meter its resource names, which must be the caller's and active", async () => {
    const meters: Record<string, Record<string, unknown>> = {
      'alice.main': { meterId: 'alice.main', participantId: 'alice', communityId: 'community-1', active: true, zone: 'z1' },
      'alice.old': { meterId: 'alice.old', participantId: 'alice', communityId: 'community-1', active: false },
      'bob.main': { meterId: 'bob.main', participantId: 'bob', communityId: 'community-1', active: true },
    };
    const events = h.ledger.evaluateHandler;
    h.ledger.evaluateHandler = (fn, args, u) => (fn === 'registry:getMeter' ? meters[args[0]] : events(fn, args, u));
    const alice = await token('alice');
    const named = (resourceName: string, meterId: string) => ({ resourceName, attributes: [{ type: 'GL_METER_ID', values: [meterId] }] });
    const refused = async (body: unknown) => (await vtn('/vens', alice, body)).body.error?.code;
    expect(await refused({ venName: 'v1', resources: [named('r', 'bob.main')] })).toBe('ACCESS_DENIED');
    expect(await refused({ venName: 'v1', resources: [named('r', 'alice.old')] })).toBe('METER_INACTIVE');
    expect(await refused({ venName: 'v1', resources: [named('r', 'nobody.main')] })).toBe('METER_NOT_REGISTERED');
    expect(await refused({ venName: 'v1', resources: [named('r', 'alice.main'), named('r', 'alice.main')] })).toBe('OPENADR_NAME_TAKEN');
    // Nothing of a refused VEN was kept.
    expect((await vtn('/vens', alice)).body).toEqual([]);
    const ven = await vtn('/vens', alice, { venName: 'v1', resources: [named('home', 'alice.main')] });
    expect(ven.status).toBe(201);
    const added = await vtn(`/vens/${ven.body.id as string}/resources`, alice, named('other', 'bob.main'));
    expect([added.status, added.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);

    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString();
    const posted = await vtn('/reports', alice, {
      programID: 'dr-1',
      eventID: 'ev-7',
      clientName: 'c',
      resources: [
        {
          resourceName: 'home',
          intervals: [
            { id: 0, intervalPeriod: { start, duration: 'PT1M' }, payloads: [{ type: 'DEMAND', values: [1200] }] },
            { id: 1, payloads: [{ type: 'DEMAND', values: [1] }] },
          ],
        },
      ],
    });
    expect([posted.status, posted.body.telemetry]).toEqual([
      201,
      { samples: 1, skipped: [{ resourceName: 'home', intervalId: 1, reason: 'no-period' }] },
    ]);
    expect(relayed).toEqual([
      [expect.objectContaining({ meterId: 'alice.main', zone: 'z1', powerW: -1200, atSeconds: Date.parse(start) / 1000 })],
    ]);
  });

  it("changes and deletes the caller's own VENs, resources, subscriptions, programs and reports; the ledger's records stay", async () => {
    const alice = await token('alice');
    const bob = await token('bob');
    const op = await token('operator');
    const send = async (method: string, path: string, tok: string, json?: unknown) => {
      const res = await h.fetch(`${VTN}${path}`, { method, key: tok, ...(json !== undefined ? { json } : {}) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
    };
    const ven = await vtn('/vens', alice, { venName: 'v1', resources: [{ resourceName: 'r1' }, { resourceName: 'r2' }] });
    const venId = ven.body.id as string;
    const [r1, r2] = (ven.body.resources as { id: string }[]).map((r) => r.id);
    await vtn('/vens', bob, { venName: 'bob-ven' });

    const renamed = await send('PUT', `/vens/${venId}`, alice, { venName: 'v1-new', id: 'ignored' });
    expect([renamed.status, renamed.body.venName, renamed.body.id, (renamed.body.resources as unknown[]).length]).toEqual([
      200,
      'v1-new',
      venId,
      2,
    ]);
    expect((await send('PUT', `/vens/${venId}`, alice, { venName: 'bob-ven' })).body.error?.code).toBe('OPENADR_NAME_TAKEN');
    expect((await send('PUT', `/vens/${venId}`, bob, { venName: 'x' })).body.error?.code).toBe('OPENADR_OBJECT_NOT_FOUND');
    expect((await send('DELETE', `/vens/${venId}`, bob)).status).toBe(404);

    expect((await send('GET', `/vens/${venId}/resources/${r1}`, alice)).body.resourceName).toBe('r1');
    expect((await send('PUT', `/vens/${venId}/resources/${r1}`, alice, { resourceName: 'r2' })).body.error?.code).toBe(
      'OPENADR_NAME_TAKEN',
    );
    const changed = await send('PUT', `/vens/${venId}/resources/${r1}`, alice, { resourceName: 'battery', attributes: [] });
    expect([changed.status, changed.body.resourceName, changed.body.venID]).toEqual([200, 'battery', venId]);
    expect((await send('DELETE', `/vens/${venId}/resources/${r2}`, alice)).status).toBe(200);
    expect((await send('GET', `/vens/${venId}/resources/${r2}`, alice)).status).toBe(404);

    const ops = [{ objects: ['EVENT'], operations: ['POST'], callbackUrl: 'http://127.0.0.1:9/hook' }];
    const sub = await vtn('/subscriptions', alice, { clientName: 'c', programID: 'dr-1', objectOperations: ops });
    const subPath = `/subscriptions/${sub.body.id as string}`;
    const outside = [{ ...ops[0], callbackUrl: 'http://example.org/hook' }];
    expect((await send('PUT', subPath, alice, { clientName: 'c', programID: 'dr-1', objectOperations: outside })).body.error?.code).toBe(
      'OPENADR_CALLBACK_NOT_ALLOWED',
    );
    expect((await send('PUT', subPath, alice, { clientName: 'c2', programID: 'dr-1', objectOperations: ops })).body.clientName).toBe('c2');
    expect((await send('DELETE', subPath, bob)).status).toBe(404);
    expect((await send('DELETE', subPath, alice)).status).toBe(200);
    expect((await vtn('/subscriptions', alice)).body).toEqual([]);

    // The event is the ledger's: neither changed nor deleted. A program with events stays; one without goes.
    expect((await send('DELETE', '/events/ev-7', op)).body.error?.code).toBe('OPENADR_SCOPE_MISSING');
    const writer = await token('operator', 'read_all write_programs write_events');
    await vtn('/events/ev-7', writer);
    expect((await send('PUT', '/events/ev-7', writer, {})).body.error?.code).toBe('OPENADR_LEDGER_RECORD');
    expect((await send('DELETE', '/events/ev-9', writer)).status).toBe(404);
    expect((await vtn('/programs', writer, { programName: 'dr-1' })).status).toBe(201);
    expect((await send('DELETE', '/programs/dr-1', writer)).body.error?.code).toBe('OPENADR_LEDGER_RECORD');
    expect((await vtn('/programs', writer, { programName: 'dr-empty' })).status).toBe(201);
    expect((await send('PUT', '/programs/dr-empty', writer, { programName: 'other' })).body.error?.code).toBe('REQUEST_INVALID');
    expect((await send('PUT', '/programs/dr-empty', writer, { programName: 'dr-empty', programLongName: 'Empty' })).body).toMatchObject({
      programLongName: 'Empty',
    });
    expect((await send('DELETE', '/programs/dr-empty', writer)).status).toBe(200);
    expect((await send('GET', '/programs/dr-empty', writer)).status).toBe(404);

    // A report: its record and hash stay on the ledger; its household deletes the VTN's copy, and changes none.
    const report = { programID: 'dr-1', eventID: 'ev-7', clientName: 'c', resources: [{ resourceName: 'battery', intervals: [] }] };
    const posted = await vtn('/reports', alice, report);
    const reportPath = `/reports/${posted.body.id as string}`;
    expect((await send('PUT', reportPath, alice, report)).body.error?.code).toBe('OPENADR_LEDGER_RECORD');
    expect((await send('DELETE', reportPath, bob)).status).toBe(404);
    expect((await send('DELETE', reportPath, alice)).status).toBe(200);
    expect((await send('GET', reportPath, alice)).status).toBe(404);
    expect(h.ledger.calls.filter((c) => c.fn === 'flex:recordReport')).toHaveLength(1);

    expect((await send('DELETE', `/vens/${venId}`, alice)).status).toBe(200);
    expect((await vtn('/vens', alice)).body).toEqual([]);
    expect((await send('GET', `/vens/${venId}/resources/${r1}`, alice)).status).toBe(404);
  });
});
