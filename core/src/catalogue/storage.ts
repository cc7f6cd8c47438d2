import { arg, contractOf } from './transaction';
import { Bool, Id, Int, Nullable, OneOf, Opaque, Page, Text, Type } from './schema';

const Availability = Type.Object({ from: Text, to: Text }, { title: 'AvailabilityWindow' });

/** A battery as stored (chaincode/src/storage/store.ts). */
const Battery = Type.Object(
  {
    batteryId: Text,
    providerId: Text,
    communityId: Text,
    zone: Text,
    meterId: Text,
    capacityWh: Int,
    maxChargeW: Int,
    maxDischargeW: Int,
    roundTripEfficiencyPpm: Int,
    latitudeMicro: Int,
    longitudeMicro: Int,
    availability: Type.Array(Availability),
    storedPriceMicrosPerKwh: Int,
    reservedPriceMicrosPerKwhDay: Int,
    penaltyMicrosPerKwh: Int,
    assetId: Type.Optional(Text),
    assetLink: Type.Optional(Type.Object({ linkedAt: Text, linkedBy: Text, txId: Text })),
    registeredAt: Text,
    txId: Text,
  },
  { title: 'Battery' },
);

const StateOfCharge = Type.Object(
  { batteryId: Text, socWh: Int, socPpm: Int, reportedAt: Text, reportedBy: Text, txId: Text },
  { title: 'StateOfCharge' },
);

/** A storage contract as a reader sees it (status `active` from the start of its window). */
const StorageContractRecord = Type.Object(
  {
    contractId: Text,
    clientContractId: Text,
    batteryId: Text,
    providerId: Text,
    buyerId: Text,
    communityId: Text,
    reservedWh: Int,
    from: Text,
    to: Text,
    storedPriceMicrosPerKwh: Int,
    reservedPriceMicrosPerKwhDay: Int,
    penaltyMicrosPerKwh: Int,
    roundTripEfficiencyPpm: Int,
    reservationFeeMicros: Int,
    maxStorageFeeMicros: Int,
    escrowMicros: Int,
    status: OneOf(['confirmed', 'active', 'completed', 'cancelled'] as const),
    confirmedAt: Text,
    txId: Text,
    cancellation: Type.Optional(
      Type.Object({ by: OneOf(['buyer', 'provider'] as const), at: Text, refundMicros: Int, feeMicros: Int, txId: Text }),
    ),
    settlement: Type.Optional(
      Type.Object({
        inWh: Int,
        outWh: Int,
        storedWh: Int,
        owedOutWh: Int,
        undeliveredWh: Int,
        efficiencyPpm: Nullable(Int),
        reservationFeeMicros: Int,
        storageFeeMicros: Int,
        penaltyMicros: Int,
        paymentMicros: Int,
        refundMicros: Int,
        intervals: Type.Array(Type.Object({ intervalStart: Text, inWh: Int, outWh: Int, meterInWh: Int, meterOutWh: Int })),
        missingIntervals: Type.Array(Text),
        settledAt: Text,
        settledBy: Text,
        txId: Text,
      }),
    ),
  },
  { title: 'StorageContract' },
);

/** A support ticket or rating of a storage contract (chaincode/src/storage/feedback.ts). */
const StorageFeedback = Type.Object(
  {
    contractId: Text,
    kind: OneOf(['support-ticket', 'rating'] as const),
    feedbackId: Text,
    bapId: Text,
    transactionId: Text,
    ratings: Type.Optional(Type.Array(Type.Object({ category: Text, id: Text, value: Text }))),
    recordedAt: Text,
    recordedBy: Text,
    txId: Text,
  },
  { title: 'StorageFeedback' },
);

const contractChange = Type.Object({ contract: StorageContractRecord, replayed: Bool }, { title: 'StorageContractChange' });
const parties = 'the buyer (prosumer or consumer), the battery provider';

/** Batteries and storage contracts (chaincode/src/storage, docs/storage.md). */
const storage = contractOf('storage');
export const storageTransactions = {
  registerBattery: storage.submit('registerBattery', {
    args: [
      arg('request', Opaque('the battery: batteryId, communityId, zone, meterId, capacity, power, efficiency, location, windows, prices')),
    ],
    result: Type.Object({ battery: Battery, replayed: Bool }, { title: 'BatteryRegistration' }),
    access: {
      roles: ['battery-provider', 'operator'],
      rule: 'a battery provider for itself, or an operator for a battery provider of its MSP (providerId); with a meter of the provider',
    },
    events: ['BatteryRegistered'],
    summary: 'registers a battery; a retry with the same terms returns it (replayed)',
  }),
  linkBatteryAsset: storage.submit('linkBatteryAsset', {
    args: [arg('batteryId', Id), arg('request', Type.Object({ assetId: Id }))],
    result: Type.Object({ battery: Battery, replayed: Bool }, { title: 'BatteryAssetLink' }),
    access: {
      roles: ['battery-provider', 'operator'],
      rule:
        "the battery's provider, or an operator of the provider's MSP; the asset a regulator-verified storage asset of the " +
        "provider on the battery's meter",
    },
    events: ['BatteryAssetLinked'],
    summary: "names the certificates' storage asset of a battery registered without one; once (the same asset again: replayed)",
  }),
  getBattery: storage.evaluate('getBattery', {
    args: [arg('batteryId', Id)],
    result: Type.Object({ ...Battery.properties, stateOfCharge: Nullable(StateOfCharge) }, { title: 'BatteryWithCharge' }),
    access: { roles: 'any', rule: 'any identity with a role' },
    summary: 'a battery and its last reported state of charge',
  }),
  listBatteries: storage.evaluate('listBatteries', {
    args: [arg('communityId', Id)],
    result: Type.Object({ batteries: Type.Array(Battery) }, { title: 'Batteries' }),
    access: { roles: 'any', rule: 'any identity with a role' },
    summary: "a community's batteries, by zone and id",
  }),
  searchBatteries: storage.evaluate('searchBatteries', {
    args: [arg('request', Opaque('communityId, zone, minFreeWh, from, to, maximum prices, latitudeMicro, longitudeMicro, radiusM, limit'))],
    result: Type.Object(
      { hits: Type.Array(Type.Object({ battery: Battery, freeWh: Int, distanceM: Nullable(Int) }, { title: 'BatteryHit' })) },
      { title: 'BatterySearch' },
    ),
    access: { roles: 'any', rule: 'any identity with a role' },
    summary: 'batteries matching zone, free capacity over a window, prices and distance; nearest first',
  }),
  reportStateOfCharge: storage.submit('reportStateOfCharge', {
    args: [arg('batteryId', Id), arg('request', Type.Object({ socWh: Int }))],
    result: StateOfCharge,
    access: {
      roles: ['battery-provider', 'meter-bridge', 'operator'],
      rule: "the battery's provider, or the meter bridge or operator of CommunityMSP",
    },
    events: ['BatteryStateOfCharge'],
    summary: "records the battery's state of charge as of the transaction's time",
  }),
  confirmStorage: storage.submit('confirmStorage', {
    args: [arg('request', Opaque('clientContractId, batteryId, reservedWh, from, to'))],
    result: contractChange,
    access: { roles: ['prosumer', 'consumer'], rule: 'a prosumer or consumer, as buyer' },
    events: ['StorageConfirmed'],
    summary: 'reserves capacity over a window and escrows its price; never beyond the capacity; a retry returns it (replayed)',
  }),
  getStorageContract: storage.evaluate('getStorageContract', {
    args: [arg('contractId', Id)],
    result: StorageContractRecord,
    access: { roles: 'any', rule: `${parties}, the operator, the utility and the regulator` },
    summary: 'a storage contract, with its cancellation or settlement',
  }),
  cancelStorage: storage.submit('cancelStorage', {
    args: [arg('contractId', Id)],
    result: contractChange,
    access: { roles: ['prosumer', 'consumer', 'battery-provider'], rule: parties },
    events: ['StorageCancelled'],
    summary: 'cancels before the window starts; refund by the cancellation rule',
  }),
  settleStorage: storage.submit('settleStorage', {
    args: [arg('contractId', Id)],
    result: contractChange,
    access: {
      roles: ['operator', 'prosumer', 'consumer', 'battery-provider'],
      rule: `the operator of CommunityMSP, ${parties}; endorsed by Community and Utility (the meter's import is private)`,
    },
    events: ['StorageSettled'],
    summary: 'after the window: energy in and out from the battery meter, escrow to the provider less the penalty, the rest back',
  }),
  recordStorageFeedback: storage.submit('recordStorageFeedback', {
    args: [arg('contractId', Id), arg('request', Opaque('kind (support-ticket or rating), feedbackId, bapId, transactionId, ratings'))],
    result: Type.Object({ feedback: StorageFeedback, replayed: Bool }, { title: 'StorageFeedbackRecord' }),
    access: { roles: ['operator'], rule: "the operator of CommunityMSP (the Community's Beckn BPP)" },
    events: ['StorageFeedbackRecorded'],
    summary: 'records a Beckn support ticket or rating of a storage contract; once per kind and id (the same again: replayed)',
  }),
  listStorageFeedback: storage.evaluate('listStorageFeedback', {
    args: [arg('contractId', Id)],
    result: Type.Object(
      { contractId: Text, supportTickets: Type.Array(StorageFeedback), ratings: Type.Array(StorageFeedback) },
      { title: 'StorageFeedbackList' },
    ),
    access: { roles: 'any', rule: `${parties}, the operator, the utility and the regulator` },
    summary: "a storage contract's support tickets and ratings, by kind and id",
  }),
  listStorageContracts: storage.evaluate('listStorageContracts', {
    args: [arg('participantId', Id), arg('pageSize', Type.String({ pattern: '^[0-9]*$' })), arg('bookmark', Type.String())],
    result: Page(StorageContractRecord, 'StorageContractPage'),
    access: {
      roles: ['prosumer', 'consumer', 'battery-provider', 'operator', 'utility', 'regulator'],
      ownRecords: true,
      rule: 'the participant itself (as buyer or as provider), the operator, the utility and the regulator',
    },
    summary: "a page of the participant's storage contracts, as buyer or as battery provider, by id",
  }),
};
