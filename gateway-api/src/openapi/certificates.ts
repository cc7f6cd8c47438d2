import { catalogue, schema } from '@gridledger/core/catalogue';
import { answer } from './answers';
import { publicVerificationAnswer } from './provenance';
import { certificateReference } from './certificate-lifecycle';
import { id, instant } from './schemas';

/** OpenAPI paths and request schemas of the certificate routes (routes/certificates.ts); the answers are the catalogue's. */
const { certificates } = catalogue;
const { IssuanceId: issuanceId, CertificateId: certificateId } = schema;
const wh = { type: 'integer', minimum: 1 };
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const err = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });
export const body = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });
const common = {
  '400': err('REQUEST_INVALID or CERTIFICATE_INPUT_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED'),
  '503': err('LEDGER_UNAVAILABLE'),
};
const p = (name: string, schema: object = id) => ({ name, in: 'path', required: true, schema });
const conflict = err(
  'CERTIFICATE_CANCELLED, CERTIFICATE_EXPIRED, CERTIFICATE_WITHDRAWN, CERTIFICATE_RESERVED or CERTIFICATE_QUANTITY_EXCEEDED',
);

export const certificatePaths = {
  '/certificates/issuances': {
    post: {
      operationId: 'issueCertificates',
      description:
        "Regulator, utility or operator. Issues one regulator-verified renewable asset's hour: its verified export less " +
        "the Wh sold peer to peer and the certificates issued before, to the asset's producer. Needs the hour's metering " +
        "windows closed and its market intervals settled; the Regulator's peer endorses every issuance (key-level policy).",
      requestBody: body('CertificateIssuanceRequest'),
      responses: {
        '201': answer(certificates.issue, 'issued (bundle null when nothing was left to certify)'),
        '404': err('ASSET_NOT_FOUND or METER_NOT_REGISTERED'),
        '409': err('CERTIFICATE_HOUR_OPEN, CERTIFICATE_HOUR_ESTIMATED or CERTIFICATE_HOUR_ISSUED'),
        '422': err('CERTIFICATE_ASSET_UNVERIFIED or CERTIFICATE_ASSET_NOT_RENEWABLE'),
        ...common,
      },
    },
  },
  '/certificates/issuances/batch': {
    post: {
      operationId: 'issueCertificateBatch',
      description:
        'Regulator, utility or operator. Issues up to 100 asset-hours in one transaction (for example all assets of an hour, ' +
        'or 24 hours of one asset): each item as POST /certificates/issuances would, or refused with its stable code ' +
        '(CERTIFICATE_HOUR_OPEN, CERTIFICATE_HOUR_ISSUED, ...) with nothing of it written; the answer lists the items in ' +
        "the request's order. A malformed batch (no items, more than 100, an asset-hour twice) is refused whole.",
      requestBody: body('CertificateIssuanceBatchRequest'),
      responses: { '200': answer(certificates.issueBatch, "each item's result"), ...common },
    },
  },
  '/certificates/issuances/{issuanceId}/withdrawal': {
    post: {
      operationId: 'withdrawCertificates',
      description:
        'Regulator. Withdraws the numbers rangeStart..rangeEnd of one issuance, in whatever state, with a reason (a meter found faulty).',
      parameters: [p('issuanceId', issuanceId)],
      requestBody: body('CertificateWithdrawalRequest'),
      responses: {
        '200': answer(certificates.withdraw),
        '404': err('CERTIFICATE_NOT_FOUND'),
        '409': conflict,
        ...common,
      },
    },
  },
  '/certificates/{bundleId}/transfer': {
    post: {
      operationId: 'transferCertificates',
      description:
        'The holder moves the first quantityWh of the bundle starting at bundleId to another participant ' +
        '(all of it, or part: the range is split).',
      parameters: [p('bundleId', certificateId)],
      requestBody: body('CertificateTransferRequest'),
      responses: {
        '200': answer(certificates.transfer),
        '404': err('CERTIFICATE_NOT_FOUND or PARTICIPANT_NOT_FOUND'),
        '409': conflict,
        ...common,
      },
    },
  },
  '/certificates/{bundleId}/claim': {
    post: {
      operationId: 'claimCertificates',
      description:
        'The holder cancels the first quantityWh of the bundle for a claim (beneficiary, purpose, ' +
        'consumption period holding the production hour, location); final.',
      parameters: [p('bundleId', certificateId)],
      requestBody: body('CertificateClaimRequest'),
      responses: {
        '200': answer(certificates.claim),
        '404': err('CERTIFICATE_NOT_FOUND'),
        '409': conflict,
        '422': err('CERTIFICATE_PERIOD_MISMATCH: the consumption period does not hold the production hour'),
        ...common,
      },
    },
  },
  '/certificates/{certificateId}': {
    get: {
      operationId: 'getCertificate',
      description: 'The bundle holding a certificate, with its attributes: its holder, or the operator, utility or regulator.',
      parameters: [p('certificateId', certificateId)],
      responses: { '200': answer(certificates.getCertificate), '404': err('CERTIFICATE_NOT_FOUND'), ...common },
    },
  },
  '/participants/{participantId}/certificates': {
    get: {
      operationId: 'listCertificates',
      description:
        "A holder's bundles, a page at a time (asset, hour, number order): the holder itself, or the operator, utility or regulator.",
      parameters: [
        p('participantId'),
        { name: 'pageSize', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
        { name: 'bookmark', in: 'query', required: false, schema: { type: 'string', maxLength: 1024 } },
      ],
      responses: {
        '200': answer(certificates.listCertificates),
        ...common,
      },
    },
  },
  '/assets/{assetId}/hours/{hourStart}/certificate-account': {
    get: {
      operationId: 'getCertificateAccount',
      description:
        "The one-claim-per-Wh invariant of an asset's hour: bundled P2P Wh + certificate Wh in every state " +
        'but withdrawn ≤ verified renewable export. Any role.',
      parameters: [p('assetId'), p('hourStart', instant)],
      responses: {
        '200': answer(certificates.getHourAccount),
        '404': err('ASSET_NOT_FOUND'),
        '409': err('CERTIFICATE_HOUR_OPEN or CERTIFICATE_HOUR_ESTIMATED'),
        ...common,
      },
    },
  },
  '/public/certificates/{certificateId}': {
    get: {
      operationId: 'verifyCertificate',
      description:
        "Anyone, without an API key: the status and attributes of a certificate, its bundle's range, " +
        "a pseudonym of its holder (no participant id) and the proof's public parts (readings' export and import hash, " +
        'transactions with their block numbers).',
      security: [],
      parameters: [p('certificateId', certificateId)],
      responses: {
        '200': publicVerificationAnswer,
        '400': err('REQUEST_INVALID'),
        '404': err('CERTIFICATE_NOT_FOUND'),
        '503': err('LEDGER_UNAVAILABLE'),
      },
    },
  },
};

export const certificateSchemas = {
  CertificateIssuanceRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['assetId', 'hourStart'],
    properties: { assetId: id, hourStart: { ...instant, description: 'a UTC hour, such as 2026-11-21T10:00:00Z' } },
  },
  CertificateIssuanceBatchRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['items'],
    properties: { items: { type: 'array', minItems: 1, maxItems: 100, items: ref('CertificateIssuanceRequest') } },
  },
  CertificateTransferRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['to', 'quantityWh'],
    properties: { to: id, quantityWh: wh, reference: certificateReference },
  },
  CertificateClaimRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['quantityWh', 'beneficiary', 'purpose', 'consumptionPeriodStart', 'consumptionPeriodEnd', 'location'],
    properties: {
      quantityWh: wh,
      beneficiary: { type: 'string', minLength: 1, maxLength: 256 },
      purpose: { type: 'string', minLength: 1, maxLength: 256 },
      consumptionPeriodStart: instant,
      consumptionPeriodEnd: instant,
      location: { type: 'string', minLength: 1, maxLength: 256 },
      reference: certificateReference,
    },
  },
  CertificateWithdrawalRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['rangeStart', 'rangeEnd', 'reason'],
    properties: { rangeStart: wh, rangeEnd: wh, reason: { type: 'string', minLength: 1, maxLength: 256 } },
  },
};
