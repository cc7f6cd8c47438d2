import { generateKeyPairSync } from 'node:crypto';
import { ErrorCodes } from '../../src/core';
import {
  DEFAULT_METERING_PARAMS,
  mergeMeteringParams,
  meterStateOf,
  validateMeteringParams,
  MIN_INTERVAL_SECONDS,
  validateMeterRegistration,
} from '../../src/metering';
import { codeOf } from '../support';

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const request = {
  meterId: 'home-01.main',
  participantId: 'home-01',
  kind: 'bidirectional',
  publicKeyPem: p256,
  exportCapacityW: 5000,
  communityId: 'c1',
};

describe('validateMeterRegistration', () => {
  it('accepts a good request and keeps one spelling of the key', () => {
    const padded = `\n${p256.replace(/\n/g, '\r\n')}\n`;
    expect(validateMeterRegistration({ ...request, publicKeyPem: padded })).toEqual(request);
  });

  it('names the field of every refusal', () => {
    const field = (extra: Record<string, unknown>) => {
      try {
        validateMeterRegistration({ ...request, ...extra });
      } catch (e) {
        return [(e as { code: string }).code, (e as { details: { field?: string } }).details.field];
      }
      return undefined;
    };
    expect(field({ meterId: 'bad id' })).toEqual([ErrorCodes.METER_INVALID, 'meterId']);
    expect(field({ participantId: '' })).toEqual([ErrorCodes.PARTICIPANT_ID_INVALID, 'participantId']);
    expect(field({ kind: 'solar' })).toEqual([ErrorCodes.METER_INVALID, 'kind']);
    expect(field({ exportCapacityW: -1 })).toEqual([ErrorCodes.METER_INVALID, 'exportCapacityW']);
    expect(field({ exportCapacityW: 1.5 })).toEqual([ErrorCodes.METER_INVALID, 'exportCapacityW']);
    expect(field({ kind: 'consumption' })).toEqual([ErrorCodes.METER_INVALID, 'exportCapacityW']);
    expect(field({ kind: 'consumption', exportCapacityW: 0 })).toBeUndefined();
    expect(field({ communityId: 7 })).toEqual([ErrorCodes.METER_INVALID, 'communityId']);
    expect(field({ extra: 1 })).toEqual([ErrorCodes.METER_INVALID, 'extra']);
  });

  it('takes ECDSA P-256 keys only', () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(codeOf(() => validateMeterRegistration({ ...request, publicKeyPem: ed }))).toBe(ErrorCodes.METER_KEY_INVALID);
    expect(codeOf(() => validateMeterRegistration({ ...request, publicKeyPem: p384 }))).toBe(ErrorCodes.METER_KEY_INVALID);
    expect(codeOf(() => validateMeterRegistration({ ...request, publicKeyPem: 'nope' }))).toBe(ErrorCodes.METER_KEY_INVALID);
    expect(codeOf(() => validateMeterRegistration({ ...request, publicKeyPem: 1 }))).toBe(ErrorCodes.METER_KEY_INVALID);
  });

  it('gives the reading rules what they need of a stored meter', () => {
    const state = meterStateOf({
      ...request,
      kind: 'bidirectional',
      mspId: 'CommunityMSP',
      active: true,
      registeredAt: 'x',
      registeredBy: 'y',
    });
    expect(state).toMatchObject({ meterId: request.meterId, kind: 'bidirectional', active: true, exportCapacityW: 5000 });
    expect(state.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });
});

describe('metering parameters', () => {
  it('validates a whole record and merges a change into the current one', () => {
    expect(validateMeteringParams({ ...DEFAULT_METERING_PARAMS })).toEqual(DEFAULT_METERING_PARAMS);
    expect(mergeMeteringParams(DEFAULT_METERING_PARAMS, { lateWindowSeconds: 3600 })).toEqual({
      ...DEFAULT_METERING_PARAMS,
      lateWindowSeconds: 3600,
    });
    const bad = (change: unknown) => codeOf(() => mergeMeteringParams(DEFAULT_METERING_PARAMS, change));
    expect(bad({ intervalSeconds: 7 * 60 })).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    expect(bad({ intervalSeconds: 0 })).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    expect(bad({ lateWindowSeconds: -1 })).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    expect(bad({ capacityTolerancePpm: 0.5 })).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    expect(bad({ capacityTolerancePpm: '1' })).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    expect(bad({ other: 1 })).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    expect(bad([])).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    expect(bad({ intervalSeconds: 3600 })).toBeUndefined();
  });

  it('takes intervals down to MIN_INTERVAL_SECONDS (accelerated runs) that divide a day, and none shorter', () => {
    const bad = (change: unknown) => codeOf(() => mergeMeteringParams(DEFAULT_METERING_PARAMS, change));
    expect(MIN_INTERVAL_SECONDS).toBe(20);
    expect(bad({ intervalSeconds: MIN_INTERVAL_SECONDS, lateWindowSeconds: 10 })).toBeUndefined();
    expect(bad({ intervalSeconds: 30 })).toBeUndefined();
    expect(bad({ intervalSeconds: MIN_INTERVAL_SECONDS - 1 })).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    expect(bad({ intervalSeconds: 15 })).toBe(ErrorCodes.METERING_PARAMS_INVALID);
    // 70 s does not divide a day.
    expect(bad({ intervalSeconds: 70 })).toBe(ErrorCodes.METERING_PARAMS_INVALID);
  });
});
