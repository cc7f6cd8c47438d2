import { generateKeyPairSync } from 'node:crypto';
import { EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import { encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { openApiDocument } from '../src';
import { Harness, startHarness } from './support/fakes';

const publicKeyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const meter = {
  meterId: 'alice.main',
  participantId: 'alice',
  kind: 'bidirectional',
  publicKeyPem,
  exportCapacityW: 5000,
  communityId: 'sunny-hill',
};
const reading = {
  meterId: 'alice.main',
  intervalStart: '2026-11-21T12:00:00Z',
  seq: 7,
  importWh: 0,
  exportWh: 1234,
  importRegisterWh: 5000000,
  exportRegisterWh: 12345678,
  sig: 'MEUCIQDx',
};

/** A gRPC error as @hyperledger/fabric-gateway raises it, with the endorsers' messages in details. */
function endorseError(code: number, message: string, detailMessages: string[]): EndorseError {
  const details = detailMessages.map((m) => ({ address: 'peer0.community:8051', mspId: 'CommunityMSP', message: m }));
  const cause = Object.assign(new Error(message), { code, details: message, metadata: undefined }) as never;
  return new EndorseError({ code, details, cause, transactionId: 'a1b2c3', message });
}

async function until<T>(probe: () => T | undefined, ms = 2000): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (let v = probe(); ; v = probe()) {
    if (v !== undefined || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string; details: Record<string, unknown> } }).error;

describe('health and description', () => {
  it('reports the organization, channel, chaincode, version and block height without a key', async () => {
    const res = await h.fetch('/api/v1/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      org: 'community',
      mspId: 'CommunityMSP',
      channel: 'energy',
      chaincode: 'gridledger',
      fabricVersion: '3.1.1',
      blockHeight: 42,
      peer: { endpoint: '127.0.0.1:8051', status: 'OK' },
    });
  });

  it("answers a 20 KiB query with its own validation (400), not with Node's 431 for long headers", async () => {
    const bookmark = 'x'.repeat(20 * 1024);
    const res = await h.fetch(`/api/v1/communities/sunny-hill/meters?bookmark=${bookmark}`, { key: h.key.alice });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('REQUEST_INVALID');
  });

  it('answers 503 with a reason when the peer is down', async () => {
    h.ledger.peer = { ok: false, reason: 'http://127.0.0.1:8060/healthz did not answer: ECONNREFUSED' };
    const res = await h.fetch('/api/v1/health');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; reason: string };
    expect(body.status).toBe('unavailable');
    expect(body.reason).toContain('ECONNREFUSED');
  });

  it('answers 503 when the ledger cannot be read although the peer process is up', async () => {
    h.ledger.heightError = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    const res = await h.fetch('/api/v1/health');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reason: string }).reason).toContain('LEDGER_UNAVAILABLE');
  });

  it('serves the very document the validator uses', async () => {
    const res = await h.fetch('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });
});

describe('authentication', () => {
  it.each([
    ['no header', undefined],
    ['an unknown key', 'glk_notakeythatwaseverissued'],
    ['an empty bearer', ''],
  ])('refuses %s with 401 UNAUTHENTICATED and does not call the ledger', async (_name, key) => {
    const res = await h.fetch('/api/v1/meters/alice.main', { key });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe(ErrorCodes.UNAUTHENTICATED);
    expect(h.ledger.calls).toEqual([]);
  });

  it('refuses a key whose identity left the wallet', async () => {
    h.wallet.users.delete('alice');
    const res = await h.fetch('/api/v1/meters/alice.main', { key: h.key.alice });
    expect(res.status).toBe(401);
  });

  it('calls the ledger as the identity behind the key', async () => {
    h.ledger.evaluateHandler = (fn, args) => ({ fn, meterId: args[0] });
    const res = await h.fetch('/api/v1/meters/alice.main', { key: h.key.bob });
    expect(res.status).toBe(200);
    expect(h.ledger.calls).toEqual([{ kind: 'evaluate', user: 'bob', fn: 'registry:getMeter', args: ['alice.main'] }]);
  });
});

describe('request validation by express-openapi-validator', () => {
  const invalidMeters: [string, unknown, string][] = [
    ['a missing field', { ...meter, publicKeyPem: undefined }, 'publicKeyPem'],
    ['an extra field', { ...meter, owner: 'x' }, 'owner'],
    ['a negative capacity', { ...meter, exportCapacityW: -1 }, 'exportCapacityW'],
    ['a fractional capacity', { ...meter, exportCapacityW: 1.5 }, 'exportCapacityW'],
    ['an unknown kind', { ...meter, kind: 'wind' }, 'kind'],
    ['a bad id', { ...meter, meterId: 'has space' }, 'meterId'],
  ];
  it.each(invalidMeters)('POST /meters with %s is 400 REQUEST_INVALID naming the field', async (_name, body, field) => {
    const res = await h.fetch('/api/v1/meters', { method: 'POST', key: h.key.alice, json: body });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe(ErrorCodes.REQUEST_INVALID);
    expect(String(error.details.path)).toContain(field);
    expect(h.ledger.calls).toEqual([]);
  });

  const invalidBatches: [string, unknown][] = [
    ['no readings', { readings: [] }],
    ['a bare array', [reading]],
    ['a float', { readings: [{ ...reading, importWh: 0.5 }] }],
    ['a local time', { readings: [{ ...reading, intervalStart: '2026-11-21T12:00:00+01:00' }] }],
    ['an unsigned reading', { readings: [{ ...reading, sig: undefined }] }],
    ['an extra field', { readings: [{ ...reading, note: 'hi' }] }],
    ['too many readings', { readings: Array.from({ length: 501 }, () => reading) }],
  ];
  it.each(invalidBatches)('POST /readings with %s is 400 REQUEST_INVALID', async (_name, body) => {
    const res = await h.fetch('/api/v1/readings', { method: 'POST', key: h.key.bridge, json: body });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe(ErrorCodes.REQUEST_INVALID);
    expect(h.ledger.calls).toEqual([]);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await h.fetch('/api/v1/readings', { method: 'POST', key: h.key.bridge, json: '{"readings": [' });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe(ErrorCodes.REQUEST_INVALID);
  });

  it('refuses a query parameter of the wrong form', async () => {
    const res = await h.fetch('/api/v1/meters/alice.main/readings?from=yesterday&to=2026-11-21T12:00:00Z', { key: h.key.alice });
    expect(res.status).toBe(400);
    expect(String((await errorOf(res)).details.path)).toContain('from');
  });

  it('answers 404 in the error form for unknown routes', async () => {
    for (const path of ['/api/v1/nothing-here', '/elsewhere']) {
      const res = await h.fetch(path, { key: h.key.alice });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe(ErrorCodes.ROUTE_NOT_FOUND);
    }
  });

  it('answers 405 METHOD_NOT_ALLOWED for a known path with another method', async () => {
    const res = await h.fetch('/api/v1/meters', { method: 'DELETE', key: h.key.alice });
    expect(res.status).toBe(405);
    expect((await errorOf(res)).code).toBe(ErrorCodes.METHOD_NOT_ALLOWED);
  });

  it('lets a valid body through to the ledger', async () => {
    h.ledger.submitHandler = (_fn, args) => ({ ...JSON.parse(args[0]), status: 'active' });
    const res = await h.fetch('/api/v1/meters', { method: 'POST', key: h.key.alice, json: meter });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { meter: { status: string }; txId: string };
    expect(body.meter.status).toBe('active');
    expect(h.ledger.calls[0]).toMatchObject({ kind: 'submit', user: 'alice', fn: 'registry:registerMeter' });
    expect(JSON.parse(h.ledger.calls[0].args[0])).toEqual(meter);
  });
});

describe('access checks before the ledger', () => {
  it('refuses a prosumer registering a meter for another participant with 403', async () => {
    const res = await h.fetch('/api/v1/meters', { method: 'POST', key: h.key.bob, json: meter });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe(ErrorCodes.ACCESS_DENIED);
    expect(h.ledger.calls).toEqual([]);
  });

  it("refuses a prosumer listing another participant's meters", async () => {
    const res = await h.fetch('/api/v1/participants/alice/meters', { key: h.key.bob });
    expect(res.status).toBe(403);
    expect(h.ledger.calls).toEqual([]);
  });

  it('lets an operator register a meter for a participant', async () => {
    const res = await h.fetch('/api/v1/meters', { method: 'POST', key: h.key.operator, json: meter });
    expect(res.status).toBe(201);
  });

  it('refuses onboarding by a prosumer', async () => {
    const res = await h.fetch('/api/v1/participants', {
      method: 'POST',
      key: h.key.alice,
      json: { participantId: 'carol', role: 'prosumer' },
    });
    expect(res.status).toBe(403);
    expect(h.ca.registerCalls).toBe(0);
  });

  it("refuses a community operator minting the utility's role", async () => {
    const res = await h.fetch('/api/v1/participants', {
      method: 'POST',
      key: h.key.operator,
      json: { participantId: 'grid', role: 'utility' },
    });
    expect(res.status).toBe(403);
  });
});

describe('chaincode error codes to HTTP statuses', () => {
  const envelope = (code: keyof typeof ErrorCodes, details = {}) =>
    encodeErrorEnvelope(new GridLedgerError(ErrorCodes[code], `the ${code} case`, details));
  const cases: [string, () => unknown, number, string][] = [
    [
      'an endorsement refused by the chaincode (ABORTED, envelope in details)',
      () =>
        endorseError(10, '10 ABORTED: failed to endorse transaction, see attached details for more info', [
          `chaincode response 500, ${envelope('METER_EXISTS', { meterId: 'alice.main' })}`,
        ]),
      409,
      'METER_EXISTS',
    ],
    [
      'an evaluation refused by the chaincode (UNKNOWN, envelope in the message)',
      () =>
        new GatewayError({
          code: 2,
          details: [],
          cause: new Error('x') as never,
          message: `2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, ${envelope('PARTICIPANT_NOT_FOUND')}`,
        }),
      404,
      'PARTICIPANT_NOT_FOUND',
    ],
    [
      'ACCESS_DENIED from the chaincode',
      () => endorseError(10, '10 ABORTED: failed to endorse', [envelope('ACCESS_DENIED')]),
      403,
      'ACCESS_DENIED',
    ],
    ['READING_CONFLICT', () => endorseError(10, '10 ABORTED', ['peer1: ok', envelope('READING_CONFLICT')]), 409, 'READING_CONFLICT'],
    ['METER_KEY_INVALID', () => endorseError(10, '10 ABORTED', [envelope('METER_KEY_INVALID')]), 400, 'METER_KEY_INVALID'],
    ['a peer that cannot be reached', () => endorseError(14, '14 UNAVAILABLE: No connection established', []), 503, 'LEDGER_UNAVAILABLE'],
    ['a deadline', () => endorseError(4, '4 DEADLINE_EXCEEDED: Deadline exceeded', []), 503, 'LEDGER_UNAVAILABLE'],
    [
      'text that names a code but carries no envelope',
      () => new GatewayError({ code: 2, details: [], cause: new Error('x') as never, message: '2 UNKNOWN: PARTICIPANT_EXISTS: nope' }),
      500,
      'INTERNAL',
    ],
    ['a plain exception', () => new TypeError('boom'), 500, 'INTERNAL'],
    [
      'a conflict the ledger gave up on',
      () => new GridLedgerError(ErrorCodes.TRANSACTION_CONFLICT, 'mvcc', { txId: 't' }),
      409,
      'TRANSACTION_CONFLICT',
    ],
  ];
  it.each(cases)('%s', async (_name, makeError, status, code) => {
    h.ledger.submitHandler = () => {
      throw makeError();
    };
    const res = await h.fetch('/api/v1/meters', { method: 'POST', key: h.key.alice, json: meter });
    expect(res.status).toBe(status);
    const error = await errorOf(res);
    expect(error.code).toBe(code);
    expect(Object.keys(error).sort()).toEqual(['code', 'details', 'message']);
  });
});

describe('readings', () => {
  it('answers 200 with per-reading results and logs the transaction id', async () => {
    let sent: (typeof reading)[] = [];
    h.ledger.submitHandler = () => ({
      results: sent.map((r, index) => ({
        index,
        meterId: r.meterId,
        intervalStart: r.intervalStart,
        status: index === 0 ? 'accepted' : 'rejected',
        ...(index === 0 ? {} : { code: 'READING_CONFLICT' }),
      })),
    });
    const second = { ...reading, intervalStart: '2026-11-21T12:15:00Z', seq: 8 };
    sent = [reading, second];
    const res = await h.fetch('/api/v1/readings', { method: 'POST', key: h.key.bridge, json: { readings: [reading, second] } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { txId: string; results: { status: string; code?: string }[] };
    expect(body.txId).toBe('tx-1');
    expect(body.results.map((r) => r.status)).toEqual(['accepted', 'rejected']);
    expect(body.results[1].code).toBe('READING_CONFLICT');
    expect(h.ledger.calls[0].fn).toBe('metering:submitReadings');
    // Import is household data: the readings go as transient data, endorsed by the collection's members only.
    expect(h.ledger.calls[0].args).toEqual(['']);
    expect(JSON.parse(Buffer.from(h.ledger.calls[0].options!.transient!.readings).toString())).toEqual([reading, second]);
    expect(h.ledger.calls[0].options!.endorsingOrganizations).toEqual(['CommunityMSP', 'UtilityMSP']);
    // The line is written when the response has gone out, which may be just after the client has it.
    const line = await until(() => h.log.lines.find((l) => l.msg === 'request' && l.path === '/api/v1/readings'));
    expect(line).toMatchObject({
      status: 200,
      txId: 'tx-1',
      user: 'bridge-1',
      participantId: 'bridge-1',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('reads one reading and a range', async () => {
    h.ledger.evaluateHandler = (fn, args) => (fn === 'metering:getReading' ? { ...reading, txId: 'tx-9', args } : [reading]);
    const one = await h.fetch('/api/v1/meters/alice.main/readings/2026-11-21T12:00:00Z', { key: h.key.alice });
    expect(one.status).toBe(200);
    expect(h.ledger.calls[0].args).toEqual(['alice.main', '2026-11-21T12:00:00Z']);
    const range = await h.fetch('/api/v1/meters/alice.main/readings?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z', {
      key: h.key.alice,
    });
    expect(range.status).toBe(200);
    expect(JSON.parse(h.ledger.calls[1].args[0])).toEqual({
      meterId: 'alice.main',
      from: '2026-11-21T00:00:00Z',
      to: '2026-11-22T00:00:00Z',
    });
  });

  it('answers 404 READING_NOT_FOUND when the ledger has nothing', async () => {
    h.ledger.evaluateHandler = () => undefined;
    const res = await h.fetch('/api/v1/meters/alice.main/readings/2026-11-21T12:00:00Z', { key: h.key.alice });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('READING_NOT_FOUND');
  });
});
