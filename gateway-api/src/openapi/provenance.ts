/**
 * OpenAPI of certificate provenance (provenance.ts, routes/certificates.ts): the proof is the
 * gateway's own (signatures checked again, block numbers), so its schema is written here; the
 * certificate and issuance parts are the catalogue's getProvenance result types.
 */
import { catalogue, schema } from '@gridledger/core/catalogue';
import { answerSchema } from './answers';

const { certificates } = catalogue;
type Props = { properties: Record<string, object> };
const evidence = (answerSchema(certificates.getProvenance) as Props).properties;
const verification = answerSchema(certificates.verifyCertificate) as Props & object;
const text = { type: 'string' };
const nullableText = { type: 'string', nullable: true };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const err = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });
const json = (s: object) => ({ description: 'OK', content: { 'application/json': { schema: s } } });

const ReadingEvidence = {
  type: 'object',
  required: ['meterId', 'intervalStart', 'seq', 'exportWh', 'txId', 'importHash', 'signedPayload', 'signature', 'signatureVerified'],
  properties: {
    meterId: text,
    intervalStart: text,
    seq: { type: 'integer' },
    exportWh: { type: 'integer' },
    txId: text,
    importHash: { ...nullableText, description: "the import's salted hash (public parts only)" },
    signedPayload: { ...nullableText, description: 'the exact bytes the meter signed (canonical JSON); null in public parts' },
    signature: { ...nullableText, description: 'base64 of the DER ECDSA P-256/SHA-256 signature; null in public parts' },
    signatureVerified: { type: 'boolean', nullable: true, description: 'checked again by the gateway with the registered key' },
  },
};

const CertificateProof = {
  type: 'object',
  required: ['asset', 'meter', 'readings', 'signaturesVerified', 'transactions'],
  properties: {
    asset: evidence.asset,
    meter: evidence.meter,
    readings: { type: 'array', items: ReadingEvidence },
    archive: { ...evidence.archive, description: "once the hour's readings are archived (docs/bounded-state.md): its archive record" },
    signaturesVerified: { type: 'boolean', nullable: true },
    transactions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['txId', 'kind', 'blockNumber'],
        properties: {
          txId: text,
          kind: { type: 'string', enum: ['issuance', 'verification', 'reading', 'archive'] },
          blockNumber: { type: 'integer', nullable: true },
        },
      },
    },
  },
};

const { issuance, issuanceTxIds: _t, asset: _a, meter: _m, readings: _r, archive: _h, ...certificate } = evidence;

export const provenanceSchemas = { CertificateProof };

/** The public verification's answer: the catalogue's verifyCertificate result, its proof the gateway's. */
export const publicVerificationAnswer = json({
  ...verification,
  properties: { ...verification.properties, proof: ref('CertificateProof') },
});

export const provenancePaths = {
  '/certificates/{certificateId}/provenance': {
    get: {
      operationId: 'getCertificateProvenance',
      description:
        "The evidence behind a certificate: the asset and its verification, the meter's registered key, the hour's readings " +
        '(each signed payload, signature and whether it verified, checked again by the gateway; public parts only for a ' +
        'holder other than the producer and for the regulator), and every transaction with its block number. ' +
        'Its holder, or the operator, utility or regulator. docs/certificates.md shows the check with openssl.',
      parameters: [{ name: 'certificateId', in: 'path', required: true, schema: schema.CertificateId }],
      responses: {
        '200': json({
          type: 'object',
          required: ['certificate', 'issuance', 'proof'],
          properties: {
            certificate: { type: 'object', properties: certificate },
            issuance,
            proof: ref('CertificateProof'),
          },
        }),
        '400': err('REQUEST_INVALID'),
        '401': err('UNAUTHENTICATED'),
        '403': err('ACCESS_DENIED'),
        '404': err('CERTIFICATE_NOT_FOUND'),
        '503': err('LEDGER_UNAVAILABLE'),
      },
    },
  },
};
