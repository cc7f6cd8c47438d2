/**
 * The certificates contract's transactions in the catalogue (docs/api.md). Over 400 lines: one
 * entry per transaction, with its arguments, result, access and events; the records are in
 * records.ts.
 */
import { ArchivedHour, CertificateAttributes, CertificateBundle, CertificateStatus } from './records';
import { arg, contractOf } from './transaction';
import { Bool, CertificateId, Id, Instant, Int, IssuanceId, Nullable, OneOf, Page, Text, Type } from './schema';

/** An asset's issuance cursor: the issuance transactions that touched the asset, chained by SHA-256. */
const IssuerCursor = Type.Object({ assetId: Text, openedAt: Text, openedBy: Text, changes: Int, head: Text }, { title: 'IssuerCursor' });

const IssuanceRecord = Type.Object(
  { issuanceId: Text, assetId: Text, hourStart: Text, verifiedExportWh: Int, bundledWh: Int, issuedWh: Int, correctedWh: Int },
  { title: 'IssuanceRecord' },
);

const Issuance = Type.Object(
  {
    record: IssuanceRecord,
    attributes: CertificateAttributes,
    txIds: Type.Array(Text),
    bundle: Nullable(CertificateBundle),
    cursor: IssuerCursor,
  },
  { title: 'CertificateIssuance', description: 'bundle is null when nothing was left to certify' },
);

/** One item of a batch issuance: issued (its record and new bundle), or refused with its stable code and nothing written. */
const IssuanceBatchItem = Type.Object(
  {
    assetId: Text,
    hourStart: Text,
    status: OneOf(['issued', 'refused']),
    record: Type.Optional(IssuanceRecord),
    bundleId: Type.Optional(Nullable(Text)),
    quantityWh: Type.Optional(Int),
    error: Type.Optional(Type.Object({ code: Text, message: Text, details: Type.Object({}) })),
  },
  {
    title: 'CertificateIssuanceBatchItem',
    description: 'issued: record, bundleId (null when nothing was left), quantityWh; refused: error',
  },
);

const IssuanceBatch = Type.Object(
  { items: Type.Array(IssuanceBatchItem), issuedCount: Int, refusedCount: Int, cursors: Type.Array(IssuerCursor) },
  { title: 'CertificateIssuanceBatch', description: "items in the request's order; one cursor per asset issued" },
);

/** The evidence of an asset's hour (chaincode/src/certificates/proof.ts): readings whole only for whom may see the household's import. */
const evidence = {
  asset: Type.Object(
    {
      assetId: Text,
      participantId: Type.Optional(Text),
      meterId: Text,
      source: Text,
      verification: Nullable(Type.Object({ verifiedBy: Text, verifiedAt: Text, txId: Text })),
    },
    { title: 'EvidenceAsset' },
  ),
  meter: Type.Object({ meterId: Text, publicKeyPem: Text }, { title: 'EvidenceMeter' }),
  // The hour's archive record once its readings left the state.
  archive: Type.Optional(ArchivedHour),
  // Past every horizon with no archive record: the meter's later readings took them (its chain proves them).
  rolling: Type.Optional(Type.Boolean({ description: 'true when present' })),
  readings: Type.Array(
    Type.Object(
      {
        meterId: Text,
        intervalStart: Text,
        seq: Int,
        exportWh: Int,
        exportRegisterWh: Int,
        txId: Text,
        importWh: Type.Optional(Int),
        importRegisterWh: Type.Optional(Int),
        sig: Type.Optional(Text),
        importHash: Type.Optional(Text),
      },
      {
        title: 'EvidenceReading',
        description: 'whole (import, signature) for the household, the operator and the utility; else importHash',
      },
    ),
  ),
};

/** What a partial transfer, claim or withdrawal leaves with the holder: the bundle's other numbers, or null. */
const rest = Nullable(CertificateBundle);

const regulator = { roles: ['regulator'], msps: ['RegulatorMSP'], rule: 'the regulator' } as const;
const holder = { roles: ['prosumer', 'consumer'], rule: "the bundle's holder, a prosumer or consumer acting for itself" } as const;
const readOwn = { roles: 'any', ownRecords: true, rule: 'a household its own bundles; other roles any' } as const;
const bundleArg = arg('bundleId', CertificateId);
const quantityWh = Type.Integer({ minimum: 1 });
/** A client's reference: a retry with it answers the first result; reused for another request, CLIENT_ID_REUSED. */
const reference = Type.Optional(Id);
const bundleView = (name: string, title: string) => Type.Object({ [name]: CertificateBundle }, { title });
/** What a lowered figure withdrew of one asset's hour (chaincode/src/certificates/lowered.ts). */
const LoweredHour = Type.Object(
  {
    assetId: Text,
    producerId: Text,
    issuanceId: Text,
    hourStart: Text,
    previousExportWh: Int,
    verifiedExportWh: Int,
    withdrawn: Type.Array(CertificateBundle),
    /** Bundled P2P Wh the lower figure no longer covers, cut from buyers' claims newest first (`settlement`: the move's reference). */
    bundledWithdrawn: Type.Array(Type.Object({ intervalStart: Text, buyerId: Text, settlement: Text, energyWh: Int })),
    account: Type.Object({ verifiedExportWh: Int, bundledWh: Int, certificateWh: Int, excessWh: Int, holds: Bool }),
  },
  { title: 'LoweredHour' },
);

/** A battery's storage charge record (core/src/certificates/storage.ts): certificates cancelled into it, what it may release. */
const StorageChargeRecord = Type.Object(
  {
    chargeRecordId: Text,
    storageAssetId: Text,
    chargingStart: Text,
    chargingEnd: Text,
    chargingEnergyWh: Int,
    chargingEnergySource: Text,
    gcIssuanceId: Text,
    gcRangeStart: Int,
    gcRangeEnd: Int,
    efficiencyPpm: Int,
    dischargeableWh: Int,
    allocatedWh: Int,
    withdrawn: Type.Optional(Type.Object({ reason: Text, withdrawnAt: Text })),
    allocatedTo: Type.Optional(Type.Array(Text, { description: 'the discharge issuances it was allocated to' })),
    contractId: Type.Optional(Text),
    ownerId: Type.Optional(Text),
    shareWh: Type.Optional(
      Type.Integer({ description: "the contract's share of the hour's metered import at the charge (its records' cap)" }),
    ),
  },
  { title: 'StorageChargeRecord', description: 'dischargeableWh = floor(chargingEnergyWh × efficiencyPpm / 10^6); the rest is losses' },
);

/** One hour of a participant's matching (core/src/certificates/matching.ts). */
const MatchedHour = Type.Object(
  { hourStart: Text, consumptionWh: Int, claimedWh: Int, bundledWh: Int, matchedWh: Int, matchedPpm: Nullable(Int) },
  { title: 'MatchedHour', description: 'matched = min(consumption, claimed + green bundled); ppm rounded down, null without consumption' },
);
const period = [arg('from', Instant), arg('to', Instant)] as const;
/** Matching totals: Wh consumed and matched, the score in ppm (null without consumption). */
const totals = { consumptionWh: Int, matchedWh: Int, scorePpm: Nullable(Int) };
/** A community's totals: how many participants they are over, and the totals. */
const communityTotals = { participants: Int, ...totals };

/** Hourly granular certificates of verified renewable generation (chaincode/src/certificates/). */
const certificates = contractOf('certificates');
export const certificatesTransactions = {
  openIssuer: certificates.submit('openIssuer', {
    args: [arg('assetId', Id)],
    result: IssuerCursor,
    access: regulator,
    summary: "opens the issuance cursor of an asset verified before certificates existed; the Regulator's peer endorses its changes",
  }),
  issue: certificates.submit('issue', {
    args: [arg('assetId', Id), arg('hourStart', Instant)],
    result: Issuance,
    access: { roles: ['regulator', 'utility', 'operator'], rule: "the regulator, the utility or an operator, for any asset's hour" },
    events: ['CertificatesIssued'],
    summary: "issues a verified asset's hour to its producer: its verified export less the Wh sold P2P and the certificates issued before",
  }),
  issueBatch: certificates.submit('issueBatch', {
    args: [
      arg('request', Type.Object({ items: Type.Array(Type.Object({ assetId: Id, hourStart: Instant }), { minItems: 1, maxItems: 100 }) })),
    ],
    result: IssuanceBatch,
    access: { roles: ['regulator', 'utility', 'operator'], rule: "the regulator, the utility or an operator, for any asset's hours" },
    events: ['CertificatesBatchIssued'],
    summary:
      'issues up to 100 asset-hours at once, each as issue would or refused with its code (nothing of it written); ' +
      "each asset's issuance cursor advances once",
  }),
  listIssuable: certificates.evaluate('listIssuable', {
    args: [
      arg('communityId', Id),
      arg('fromHour', Instant),
      arg('toHour', Instant),
      arg('pageSize', Type.String({ pattern: '^[0-9]*$' })),
      arg('bookmark', Type.String()),
    ],
    result: Type.Object(
      {
        closedHours: Type.Array(Text),
        items: Type.Array(Type.Object({ assetId: Text, hourStart: Text })),
        discharges: Type.Array(Type.Object({ assetId: Text, hourStart: Text }), {
          description: 'closed hours not issued yet of verified storage assets linked to a battery (storage discharge issuance)',
        }),
        bookmark: Type.String(),
      },
      { title: 'IssuableHours' },
    ),
    access: { roles: ['regulator', 'utility', 'operator'], rule: 'the regulator, the utility or an operator' },
    summary:
      "a page of a community's meters: their verified renewable assets' closed hours of [fromHour, toHour) not issued yet, " +
      "and linked batteries' storage assets' hours to discharge",
  }),
  transfer: certificates.submit('transfer', {
    args: [bundleArg, arg('request', Type.Object({ to: Id, quantityWh, reference }))],
    result: Type.Object({ moved: CertificateBundle, rest }, { title: 'CertificateTransfer' }),
    access: holder,
    events: ['CertificatesTransferred'],
    summary: 'moves the first quantityWh of a bundle to another participant (the range is split)',
  }),
  claim: certificates.submit('claim', {
    args: [
      bundleArg,
      arg(
        'request',
        Type.Object({
          quantityWh,
          beneficiary: Text,
          purpose: Text,
          consumptionPeriodStart: Instant,
          consumptionPeriodEnd: Instant,
          location: Text,
          reference,
        }),
      ),
    ],
    result: Type.Object({ claimed: CertificateBundle, rest }, { title: 'CertificateClaim' }),
    access: holder,
    events: ['CertificatesClaimed'],
    summary: "cancels the first quantityWh of a bundle for a consumer's claim, final",
  }),
  reserve: certificates.submit('reserve', {
    args: [bundleArg, arg('request', Type.Object({ to: Id, quantityWh, reference }))],
    result: Type.Object({ reserved: CertificateBundle, rest }, { title: 'CertificateReservation' }),
    access: holder,
    events: ['CertificatesReserved'],
    summary: "reserves the first quantityWh of a bundle for a recipient, pending the recipient's acceptance (the range is split)",
  }),
  acceptReservation: certificates.submit('acceptReservation', {
    args: [bundleArg, arg('request', Type.Object({ reference }))],
    result: bundleView('moved', 'CertificateReservationAcceptance'),
    access: { roles: ['prosumer', 'consumer'], rule: 'the recipient of the pending transfer, acting for itself' },
    events: ['CertificatesTransferred'],
    summary: 'the recipient accepts the transfer pending on a bundle: the bundle becomes its own, active',
  }),
  releaseReservation: certificates.submit('releaseReservation', {
    args: [bundleArg, arg('request', Type.Object({ reference }))],
    result: bundleView('released', 'CertificateReservationRelease'),
    access: { roles: ['prosumer', 'consumer'], rule: 'the holder or the recipient of the pending transfer, acting for itself' },
    events: ['CertificatesReservationReleased'],
    summary: "calls the transfer pending on a bundle off: the bundle is its holder's again",
  }),
  withdrawLowered: certificates.submit('withdrawLowered', {
    args: [arg('meterId', Id), arg('intervalStart', Instant)],
    result: Type.Object({ hours: Type.Array(LoweredHour) }, { title: 'LoweredFigureWithdrawal' }),
    access: {
      roles: ['regulator', 'utility', 'operator'],
      rule: 'the regulator, the utility or an operator (the dispute resolution runs it)',
    },
    events: ['CertificatesWithdrawn'],
    summary:
      "after a resolved dispute: withdraws, newest first, what the meter's assets' lowered verified export of the interval's hour no " +
      'longer covers; advances their issuance cursors',
  }),
  recordExpiry: certificates.submit('recordExpiry', {
    args: [arg('owner', Id)],
    result: Type.Object({ expired: Type.Array(CertificateBundle), more: Bool }, { title: 'CertificateExpiryRecord' }),
    access: readOwn,
    events: ['CertificatesExpired'],
    summary: "records the expiry of a holder's bundles past it (status expired, an event); reads see expiry without it",
  }),
  withdraw: certificates.submit('withdraw', {
    args: [arg('issuanceId', IssuanceId), arg('request', Type.Object({ rangeStart: Int, rangeEnd: Int, reason: Text }))],
    result: Type.Object(
      { withdrawn: Type.Array(CertificateBundle), derived: Type.Array(CertificateBundle) },
      { title: 'CertificateWithdrawal', description: 'derived: storage discharge certificates allocated from charge records it withdrew' },
    ),
    access: regulator,
    events: ['CertificatesWithdrawn'],
    summary: "withdraws numbers of one issuance in any state (a meter found faulty); advances the asset's issuance cursor",
  }),
  getCertificate: certificates.evaluate('getCertificate', {
    args: [arg('certificateId', CertificateId)],
    result: Type.Object(
      {
        ...CertificateBundle.properties,
        attributes: CertificateAttributes,
        chargeRecord: Type.Optional(Type.Object({ chargeRecordId: Text, efficiencyPpm: Int }, { title: 'AllocatedChargeRecord' })),
      },
      { title: 'Certificate', description: 'chargeRecord: for storage discharge, the charge record it was allocated from' },
    ),
    access: readOwn,
    summary: "the bundle holding a certificate, with its issuance's attributes",
  }),
  getProvenance: certificates.evaluate('getProvenance', {
    args: [arg('certificateId', CertificateId)],
    result: Type.Object(
      {
        ...CertificateBundle.properties,
        attributes: CertificateAttributes,
        issuance: IssuanceRecord,
        issuanceTxIds: Type.Array(Text),
        ...evidence,
      },
      { title: 'CertificateEvidence' },
    ),
    access: readOwn,
    summary: "the evidence behind a certificate: asset and verification, meter key, the hour's readings, issuance transactions",
  }),
  listCertificates: certificates.evaluate('listCertificates', {
    args: [arg('owner', Id), arg('pageSize', Type.String({ pattern: '^[0-9]*$' })), arg('bookmark', Type.String())],
    result: Page(CertificateBundle, 'CertificatePage'),
    access: readOwn,
    summary: "a page of a holder's bundles, by asset, hour and number",
  }),
  verifyCertificate: certificates.evaluate('verifyCertificate', {
    args: [arg('certificateId', CertificateId)],
    result: Type.Object(
      {
        certificateId: Text,
        bundleId: Text,
        rangeStart: Int,
        rangeEnd: Int,
        status: CertificateStatus,
        expiresAt: Text,
        issuedAt: Text,
        owner: Type.String({ description: 'a pseudonym of the holder: equal holders, equal pseudonyms; no participant id' }),
        attributes: CertificateAttributes,
        issuanceTxIds: Type.Array(Text),
        proof: Type.Object(evidence, { title: 'PublicEvidence', description: 'public parts only: no participant id, no import' }),
      },
      { title: 'CertificateVerification' },
    ),
    access: { roles: 'identity', rule: 'anyone: any identity of the channel (the gateway answers it without an API key)' },
    summary: "public verification: a certificate's status, attributes, bundle range and a pseudonym of its holder",
  }),
  getHourAccount: certificates.evaluate('getHourAccount', {
    args: [arg('assetId', Id), arg('hourStart', Instant)],
    result: Type.Object(
      {
        assetId: Text,
        hourStart: Text,
        issuanceId: Text,
        verifiedExportWh: Int,
        bundledWh: Int,
        certificateWh: Int,
        excessWh: Int,
        holds: Bool,
        bundledByInterval: Type.Array(Type.Object({ intervalStart: Text, energyWh: Int })),
      },
      { title: 'CertificateAccount' },
    ),
    access: { roles: 'any', rule: 'any identity with a role' },
    summary: "one claim per Wh: an asset's hour's bundled P2P Wh + certificate Wh but withdrawn ≤ its verified export",
  }),
  chargeStorage: certificates.submit('chargeStorage', {
    args: [bundleArg, arg('request', Type.Object({ storageAssetId: Type.Optional(Id), storageContractId: Type.Optional(Id), quantityWh }))],
    result: Type.Object({ cancelled: CertificateBundle, rest, record: StorageChargeRecord }, { title: 'StorageCharge' }),
    access: {
      roles: ['prosumer', 'consumer'],
      rule: "the bundle's holder, into a battery of its own, or as a storage contract's buyer into the contract's battery",
    },
    events: ['CertificatesClaimed'],
    summary:
      "cancels the first quantityWh of a bundle into a storage charge record of the holder's battery (or of a storage contract's " +
      "battery, within the contract's share), within its metered import",
  }),
  issueStorageDischarge: certificates.submit('issueStorageDischarge', {
    args: [arg('assetId', Id), arg('hourStart', Instant)],
    result: Type.Object(
      {
        record: IssuanceRecord,
        attributes: CertificateAttributes,
        txIds: Type.Array(Text),
        bundles: Type.Array(CertificateBundle),
        records: Type.Array(StorageChargeRecord),
        meteredDischargeWh: Int,
        uncertifiedWh: Int,
        cursor: IssuerCursor,
      },
      { title: 'StorageDischargeIssuance', description: 'one bundle per charge record used, FIFO; uncertifiedWh is not certified' },
    ),
    access: { roles: ['regulator', 'utility', 'operator'], rule: "the regulator, the utility or an operator, for any battery's hour" },
    events: ['CertificatesIssued'],
    summary: "issues a battery's hour of metered discharge as storage certificates, FIFO over its charge records; losses never",
  }),
  listStorageCharges: certificates.evaluate('listStorageCharges', {
    args: [arg('assetId', Id)],
    result: Type.Object({ assetId: Text, items: Type.Array(StorageChargeRecord) }, { title: 'StorageChargeRecords' }),
    access: { roles: 'any', ownRecords: true, rule: "a household its own batteries' records; other roles any" },
    summary: "a battery's storage charge records: what was charged, its efficiency, what it may release and has released",
  }),
  getStorageShareInputs: certificates.evaluate('getStorageShareInputs', {
    args: [arg('assetId', Id), arg('hourStart', Instant)],
    result: Type.Object(
      {
        assetId: Text,
        batteryId: Nullable(Text),
        hourStart: Text,
        intervals: Type.Array(Type.Object({ intervalStart: Text, importWh: Int, exportWh: Int })),
        reservations: Type.Array(Type.Object({ contractId: Text, from: Text, to: Text, reservedWh: Int })),
      },
      {
        title: 'StorageShareInputs',
        description: "the battery meter's import and export of each interval with a reading, and the battery's reservations of the hour",
      },
    ),
    access: { roles: ['operator', 'utility'], rule: 'the operator and the utility (the import is the consumption collection’s)' },
    summary: "what a storage contract's share of a battery's hour is computed from, for the audit to recompute it",
  }),
  getMatching: certificates.evaluate('getMatching', {
    args: [arg('participantId', Id), ...period],
    result: Type.Object(
      {
        participantId: Text,
        periodStart: Text,
        periodEnd: Text,
        hours: Type.Array(MatchedHour),
        ...totals,
      },
      { title: 'Matching' },
    ),
    access: { roles: ['prosumer', 'consumer', 'operator', 'utility'], rule: 'the participant itself, the operator, the utility' },
    summary: "a participant's consumption hour by hour against its claimed certificates and green bundled P2P Wh (the 24/7 score)",
  }),
  getCommunityMatching: certificates.evaluate('getCommunityMatching', {
    args: [arg('communityId', Id), ...period],
    result: Type.Object(
      { communityId: Text, periodStart: Text, periodEnd: Text, ...communityTotals },
      { title: 'CommunityMatching', description: "totals over the community's participants: no participant's hours" },
    ),
    access: { roles: ['operator', 'utility'], msps: ['CommunityMSP', 'UtilityMSP'], rule: 'the operator and the utility' },
    summary: "a community's matching totals over a period: consumption, matched Wh and the score, no household's hours",
  }),
  recordCommunityMatching: certificates.submit('recordCommunityMatching', {
    args: [arg('communityId', Id), arg('dayStart', Instant)],
    result: Type.Object(
      { communityId: Text, dayStart: Text, ...communityTotals, recordedAt: Text, txId: Text },
      { title: 'MatchingDay', description: "a community's matching totals of one UTC day, recorded on the channel" },
    ),
    access: { roles: ['operator', 'utility'], msps: ['CommunityMSP', 'UtilityMSP'], rule: 'the operator and the utility' },
    summary: "records a community's matching totals of a day (no household's hours) on the channel, for the regulator",
  }),
  getRecordedMatching: certificates.evaluate('getRecordedMatching', {
    args: [arg('communityId', Id), ...period],
    result: Type.Object(
      {
        communityId: Text,
        periodStart: Text,
        periodEnd: Text,
        daysInPeriod: Int,
        days: Type.Array(Type.Object({ dayStart: Text, ...communityTotals, recordedAt: Text }, { title: 'RecordedMatchingDay' })),
        ...totals,
      },
      { title: 'RecordedMatching', description: 'the recorded days of the period and their sums; days not recorded are missing' },
    ),
    access: { roles: ['regulator', 'operator', 'utility'], rule: 'the regulator, the operator, the utility' },
    summary: "a community's recorded matching days of a period and their sums: what the regulator sees of matching",
  }),
};
