/**
 * OpenAPI of the certificate lifecycle routes (routes/certificate-lifecycle.ts): reserved transfers,
 * the withdrawal for a lowered figure, the expiry record; the answers are the catalogue's.
 */
import { catalogue, schema } from '@gridledger/core/catalogue';
import { answer, answerSchema } from './answers';
import { id, instant } from './schemas';

const { certificates } = catalogue;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const err = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });
const common = {
  '400': err('REQUEST_INVALID or CERTIFICATE_INPUT_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED'),
  '503': err('LEDGER_UNAVAILABLE'),
};
const bundle = { name: 'bundleId', in: 'path', required: true, schema: schema.CertificateId };
const optionalBody = (name: string) => ({ required: false, content: { 'application/json': { schema: ref(name) } } });
const reused = 'CLIENT_ID_REUSED: the reference was used for another request';
const notReserved = err(`CERTIFICATE_NOT_RESERVED (no transfer pending on the bundle), CERTIFICATE_EXPIRED; ${reused}`);

/** A client's reference: the same request again answers the first result; another request under it is CLIENT_ID_REUSED. */
export const certificateReference = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: "the client's reference of the request: a retry with it answers the first result (per caller)",
};

export const certificateLifecyclePaths = {
  '/certificates/{bundleId}/reservation': {
    post: {
      operationId: 'reserveCertificates',
      description:
        'The holder reserves the first quantityWh of the bundle for a recipient, who accepts or either side releases it. ' +
        "Reserved, the part moves no other way and is not claimed; it shows in both parties' listings and expires as any other.",
      parameters: [bundle],
      requestBody: { required: true, content: { 'application/json': { schema: ref('CertificateReservationRequest') } } },
      responses: {
        '201': answer(certificates.reserve, 'reserved'),
        '404': err('CERTIFICATE_NOT_FOUND or PARTICIPANT_NOT_FOUND'),
        '409': err(`CERTIFICATE_CANCELLED, _EXPIRED, _WITHDRAWN, _RESERVED or _QUANTITY_EXCEEDED; ${reused}`),
        ...common,
      },
    },
  },
  '/certificates/{bundleId}/reservation/acceptance': {
    post: {
      operationId: 'acceptCertificateReservation',
      description: 'The recipient accepts the transfer pending on the bundle: the bundle becomes its own, active.',
      parameters: [bundle],
      requestBody: optionalBody('CertificateActionReference'),
      responses: { '200': answer(certificates.acceptReservation), '404': err('CERTIFICATE_NOT_FOUND'), '409': notReserved, ...common },
    },
  },
  '/certificates/{bundleId}/reservation/release': {
    post: {
      operationId: 'releaseCertificateReservation',
      description: "The holder or the recipient calls the transfer pending on the bundle off: the bundle is the holder's again.",
      parameters: [bundle],
      requestBody: optionalBody('CertificateActionReference'),
      responses: { '200': answer(certificates.releaseReservation), '404': err('CERTIFICATE_NOT_FOUND'), '409': notReserved, ...common },
    },
  },
  '/certificates/lowered-figure-withdrawals': {
    post: {
      operationId: 'withdrawCertificatesForLoweredFigure',
      description:
        "Regulator, utility or operator. For each of the meter's assets whose hour holding intervalStart was issued and whose " +
        'verified export is now lower (a resolved dispute): withdraws what no longer stands, newest first. ' +
        'The dispute resolution runs it itself; running it again changes nothing.',
      requestBody: { required: true, content: { 'application/json': { schema: ref('LoweredFigureWithdrawalRequest') } } },
      responses: {
        '200': answer(certificates.withdrawLowered),
        '404': err('METER_NOT_REGISTERED'),
        '409': err('CERTIFICATE_HOUR_OPEN or CERTIFICATE_HOUR_ESTIMATED'),
        ...common,
      },
    },
  },
  '/participants/{participantId}/certificates/expiry': {
    post: {
      operationId: 'recordCertificateExpiry',
      description:
        "Records the expiry of the holder's bundles past it (status expired, a CertificatesExpired event), at most 500 a call " +
        '(more: call again). Reads see expiry without it. The holder, or the operator, utility or regulator.',
      parameters: [{ name: 'participantId', in: 'path', required: true, schema: id }],
      responses: { '200': answer(certificates.recordExpiry), ...common },
    },
  },
};

export const certificateLifecycleSchemas = {
  CertificateReservationRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['to', 'quantityWh'],
    properties: { to: id, quantityWh: { type: 'integer', minimum: 1 }, reference: certificateReference },
  },
  CertificateActionReference: {
    type: 'object',
    additionalProperties: false,
    properties: { reference: certificateReference },
  },
  LoweredFigureWithdrawalRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['meterId', 'intervalStart'],
    properties: { meterId: id, intervalStart: instant },
  },
  /** The dispute resolution's answer: the resolution and the certificates its lowered figure withdrew. */
  DisputeResolutionAnswer: {
    allOf: [
      answerSchema(catalogue.energy.resolveDispute),
      {
        type: 'object',
        required: ['certificates'],
        properties: {
          certificates: {
            description: "certificates:withdrawLowered's answer and txId, or the error that stopped it (the resolution stands)",
            oneOf: [
              answerSchema(certificates.withdrawLowered),
              {
                type: 'object',
                required: ['error'],
                properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
              },
            ],
          },
        },
      },
    ],
  },
};
