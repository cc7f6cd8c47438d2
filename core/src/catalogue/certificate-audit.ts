/**
 * The certificate records the audit and the regulator's report read (chaincode/src/certificates/audit.ts,
 * docs/certificates.md "Audit"): merged into the certificates contract's entries by the catalogue.
 */
import { arg, contractOf } from './transaction';
import { certificatesTransactions } from './certificates';
import { CertificateStatus } from './records';
import { Id, Instant, Int, Nullable, OneOf, Opaque, Page, Text, Type } from './schema';

const certificates = contractOf('certificates');
const anyRole = { roles: 'any', rule: 'any identity with a role (the audit anyone with read access runs)' } as const;
const hour = Type.String({ ...Instant, description: 'a UTC instant on the hour' });

const Cursor = Type.Object({ assetId: Text, openedAt: Text, openedBy: Text, changes: Int, head: Text }, { title: 'AuditCursor' });

/** A bundle as the audit reads it: no holder, no claim or reservation details. */
const AuditedBundle = Type.Object(
  {
    issuanceId: Text,
    rangeStart: Int,
    rangeEnd: Int,
    status: CertificateStatus,
    deviceId: Text,
    energySource: Text,
    productionStart: Text,
    issuedAt: Text,
    expiresAt: Text,
    withdrawal: Type.Optional(Opaque('the withdrawal: cause, reason, withdrawnAt, previousStatus')),
  },
  { title: 'AuditedBundle' },
);

const recordItem = Type.Union([
  Type.Object({ seq: Int, change: Opaque('what the cursor change recorded: issuance or withdrawal, txId'), head: Text }),
  Type.Object({ record: Opaque('the IssuanceRecord'), txIds: Type.Array(Text) }),
  AuditedBundle,
]);

export const certificateAuditTransactions = {
  listIssuers: certificates.evaluate('listIssuers', {
    args: [arg('pageSize', Type.String({ pattern: '^[0-9]*$' })), arg('bookmark', Type.String())],
    result: Page(
      Type.Object({ ...Cursor.properties, producerId: Text, source: Text, communityId: Text }, { title: 'CertificateIssuer' }),
      'CertificateIssuerPage',
    ),
    access: anyRole,
    summary: 'a page of the assets with an issuance cursor: the chain head the Regulator endorsed, producer, source, community',
  }),
  listIssuerRecords: certificates.evaluate('listIssuerRecords', {
    args: [
      arg(
        'request',
        Type.Object({
          assetId: Id,
          records: OneOf(['chain', 'issuances', 'bundles']),
          from: Type.Optional(hour),
          to: Type.Optional(hour),
          pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          bookmark: Type.Optional(Text),
        }),
      ),
    ],
    result: Type.Object(
      { assetId: Text, cursor: Nullable(Cursor), items: Type.Array(recordItem), bookmark: Text },
      { title: 'CertificateIssuerRecords' },
    ),
    access: anyRole,
    summary: "a page of an asset's issuance chain log, issuance records or bundles (of production hours in [from, to))",
  }),
  getHourAccounts: certificates.evaluate('getHourAccounts', {
    args: [arg('request', Type.Object({ assetId: Id, from: hour, to: hour }))],
    result: Type.Object(
      {
        assetId: Text,
        from: Text,
        to: Text,
        items: Type.Array(certificatesTransactions.getHourAccount.result),
        skipped: Type.Array(Type.Object({ hourStart: Text, code: Text })),
      },
      { title: 'CertificateAccounts' },
    ),
    access: anyRole,
    summary: "the accounts of up to 168 of an asset's hours; hours with an open window or an estimated reading are named in skipped",
  }),
  listCertificateActions: certificates.evaluate('listCertificateActions', {
    args: [
      arg(
        'request',
        Type.Object({
          from: hour,
          to: hour,
          pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          bookmark: Type.Optional(Text),
        }),
      ),
    ],
    result: Page(
      Type.Object(
        {
          kind: OneOf(['transfer', 'claim']),
          at: Instant,
          txId: Text,
          issuanceId: Text,
          assetId: Text,
          producerId: Text,
          source: Text,
          quantityWh: Int,
        },
        { title: 'CertificateAction' },
      ),
      'CertificateActionPage',
    ),
    access: { roles: ['regulator', 'utility', 'operator'], rule: 'the regulator, the utility or an operator' },
    summary: 'a page of the certificate transfers and claims whose transaction is in [from, to), by hour',
  }),
};
