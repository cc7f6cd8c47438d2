/** The certificate lifecycle routes on a fake ledger: the withdrawal a dispute resolution runs after it, its retries, reservations. */
import { ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { Harness, startHarness } from './support/fakes';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const I = '2026-11-21T12:00:00Z';
const resolution = { meterId: 'm1', intervalStart: I, importWh: 0, exportWh: 0, note: 'n' };
const certificatesOf = async (res: Response) => ((await res.json()) as { certificates: unknown }).certificates;
const resolve = () => h.fetch('/api/v1/disputes/resolutions', { method: 'POST', key: h.key.operator, json: resolution });
const lowered = { hours: [] };

describe('the dispute resolution and the lowered figure', () => {
  it('runs the withdrawal right after the resolution, as the operator, and answers both', async () => {
    h.ledger.submitHandler = (fn) => (fn === 'energy:resolveDispute' ? { status: 'resolved' } : lowered);
    const res = await resolve();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'resolved', txId: 'tx-1', certificates: { hours: [], txId: 'tx-2' } });
    expect(h.ledger.calls.map((c) => [c.fn, c.user, c.args])).toEqual([
      ['energy:resolveDispute', 'op-1', [expect.any(String)]],
      ['certificates:withdrawLowered', 'op-1', ['m1', I]],
    ]);
    // The withdrawal names no endorsers: the peers' gateway adds the Regulator's peer from the cursor's policy.
    expect(h.ledger.calls[1].options?.endorsingOrganizations).toBeUndefined();
  });

  it('proposes the withdrawal again while a peer lags, and answers its error when it does not succeed: the resolution stands', async () => {
    let attempts = 0;
    h.ledger.submitHandler = (fn) => {
      if (fn === 'energy:resolveDispute') return { status: 'resolved' };
      if (++attempts < 3) throw new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'endorsements differ');
      return lowered;
    };
    expect(await certificatesOf(await resolve())).toEqual({ hours: [], txId: 'tx-2' });
    expect(attempts).toBe(3);

    h.ledger.submitHandler = (fn) => {
      if (fn === 'energy:resolveDispute') return { status: 'resolved' };
      throw new GridLedgerError(ErrorCodes.METER_NOT_REGISTERED, 'no meter m1');
    };
    const res = await resolve();
    expect(res.status).toBe(200);
    expect(await certificatesOf(res)).toEqual({ error: { code: 'METER_NOT_REGISTERED', message: 'no meter m1' } });
  });
});

describe('reservation routes', () => {
  it('let households reserve, accept and release, and refuse the operator before the ledger', async () => {
    h.ledger.submitHandler = () => ({ reserved: {}, rest: null });
    const bundle = 'pv-1@20261121T12Z-1';
    const reserve = await h.fetch(`/api/v1/certificates/${bundle}/reservation`, {
      method: 'POST',
      key: h.key.alice,
      json: { to: 'bob', quantityWh: 5, reference: 'r-1' },
    });
    expect(reserve.status).toBe(201);
    expect(h.ledger.calls[0]).toMatchObject({
      fn: 'certificates:reserve',
      args: [bundle, JSON.stringify({ to: 'bob', quantityWh: 5, reference: 'r-1' })],
    });
    for (const action of ['acceptance', 'release']) {
      const res = await h.fetch(`/api/v1/certificates/${bundle}/reservation/${action}`, { method: 'POST', key: h.key.bob, json: {} });
      expect(res.status).toBe(200);
    }
    expect(h.ledger.calls.map((c) => c.fn).slice(1)).toEqual(['certificates:acceptReservation', 'certificates:releaseReservation']);
    const denied = await h.fetch(`/api/v1/certificates/${bundle}/reservation`, {
      method: 'POST',
      key: h.key.operator,
      json: { to: 'bob', quantityWh: 5 },
    });
    expect(denied.status).toBe(403);
    expect(h.ledger.calls).toHaveLength(3);
  });
});
