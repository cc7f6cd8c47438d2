/** Storage events on GET /events and the stream (event-visibility.ts): a battery's for its provider, a contract's for its two parties. */
import { viewerOf, visiblePayload } from '../src/event-visibility';

const household = (participantId: string, role = 'consumer') =>
  viewerOf({ id: participantId, mspId: 'CommunityMSP', role, participantId, certPath: '', keyPath: '' });
const regulator = viewerOf({ id: 'reg', mspId: 'RegulatorMSP', role: 'regulator', certPath: '', keyPath: '' });
const seers = (name: string, payload: unknown) =>
  [household('bp', 'battery-provider'), household('buyer'), household('other'), household('bp2', 'battery-provider')]
    .filter((v) => visiblePayload(v, name, payload) !== undefined)
    .map((v) => v.participantId);

const contract = { contractId: 's1', batteryId: 'b1', providerId: 'bp', buyerId: 'buyer' };

describe('storage events', () => {
  it("shows a battery's registration, link and state of charge to its provider only", () => {
    expect(seers('BatteryRegistered', { batteryId: 'b1', providerId: 'bp', communityId: 'c', zone: 'z' })).toEqual(['bp']);
    expect(seers('BatteryAssetLinked', { batteryId: 'b1', assetId: 'a', providerId: 'bp' })).toEqual(['bp']);
    expect(seers('BatteryStateOfCharge', { batteryId: 'b1', socWh: 5, providerId: 'bp' })).toEqual(['bp']);
    // A report of an older chaincode names no provider: no household sees it.
    expect(seers('BatteryStateOfCharge', { batteryId: 'b1', socWh: 5 })).toEqual([]);
  });

  it("shows a contract's events to its buyer and its battery's provider, whole, and to nobody else", () => {
    for (const [name, more] of [
      ['StorageConfirmed', {}],
      ['StorageCancelled', { by: 'buyer' }],
      ['StorageSettled', { paymentMicros: 10, penaltyMicros: 0 }],
      ['StorageFeedbackRecorded', { kind: 'rating', feedbackId: 'm1' }],
    ] as const) {
      const payload = { ...contract, ...more };
      expect(seers(name, payload)).toEqual(['bp', 'buyer']);
      expect(visiblePayload(household('buyer'), name, payload)).toEqual(payload);
      expect(visiblePayload(regulator, name, payload)).toEqual(payload);
    }
  });
});
