import { CertificateAttributes, CertificateBundle, CertificateStatus } from './records';
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
        bookmark: Type.String(),
      },
      { title: 'IssuableHours' },
    ),
    access: { roles: ['regulator', 'utility', 'operator'], rule: 'the regulator, the utility or an operator' },
    summary: "a page of a community's meters: their verified renewable assets' closed hours of [fromHour, toHour) not issued yet",
  }),
  transfer: certificates.submit('transfer', {
    args: [bundleArg, arg('request', Type.Object({ to: Id, quantityWh }))],
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
        }),
      ),
    ],
    result: Type.Object({ claimed: CertificateBundle, rest }, { title: 'CertificateClaim' }),
    access: holder,
    events: ['CertificatesClaimed'],
    summary: "cancels the first quantityWh of a bundle for a consumer's claim, final",
  }),
  withdraw: certificates.submit('withdraw', {
    args: [arg('issuanceId', IssuanceId), arg('request', Type.Object({ rangeStart: Int, rangeEnd: Int, reason: Text }))],
    result: Type.Object({ withdrawn: Type.Array(CertificateBundle) }, { title: 'CertificateWithdrawal' }),
    access: regulator,
    events: ['CertificatesWithdrawn'],
    summary: "withdraws numbers of one issuance in any state (a meter found faulty); advances the asset's issuance cursor",
  }),
  getCertificate: certificates.evaluate('getCertificate', {
    args: [arg('certificateId', CertificateId)],
    result: Type.Object({ ...CertificateBundle.properties, attributes: CertificateAttributes }, { title: 'Certificate' }),
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
};
