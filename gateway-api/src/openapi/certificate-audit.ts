/**
 * OpenAPI of the certificate audit's records and the regulator's report (routes/certificate-audit.ts):
 * the records answer the catalogue's results; the report is core's certificateReport, written here.
 */
import { catalogue } from '@gridledger/core/catalogue';
import { answer } from './answers';
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
const hour = { ...instant, description: 'a UTC instant on the hour' };
// Instants carry ':' unencoded, as on the other routes (allowReserved).
const q = (name: string, schema: object, required = false) => ({ name, in: 'query', required, allowReserved: true, schema });
const asset = { name: 'assetId', in: 'path', required: true, schema: id };
const paging = [q('pageSize', { type: 'integer', minimum: 1, maximum: 1000 }), q('bookmark', { type: 'string', maxLength: 1024 })];

const int = { type: 'integer' };
const str = { type: 'string' };
const obj = (properties: Record<string, object>, extra: object = {}) => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
  ...extra,
});
const price = obj({ weightedSum: str, energyWh: int, microsPerKwh: { type: 'integer', nullable: true } });
const figures = {
  assets: int,
  issuedWh: int,
  activeWh: int,
  expiredWh: int,
  withdrawnWh: int,
  transfers: int,
  transferredWh: int,
  claims: int,
  claimedWh: int,
};

export const certificateAuditSchemas = {
  CertificateReport: obj(
    {
      from: str,
      to: str,
      communityId: { type: 'string', nullable: true },
      asOf: str,
      producers: { type: 'array', items: obj({ producerId: str, source: str, ...figures }) },
      totals: obj(figures),
      market: obj(
        {
          intervals: int,
          notSettled: { type: 'array', items: str },
          spotVolumeWh: int,
          contractVolumeWh: int,
          p2pVolumeWh: int,
          consumptionWh: int,
          clearingPrice: price,
          averageP2pPrice: price,
        },
        { nullable: true },
      ),
      renewableShare: obj(
        {
          bundledWh: int,
          claimedWh: int,
          consumptionWh: int,
          share: obj({ numerator: int, denominator: int, ppm: { type: 'integer', nullable: true } }),
        },
        { nullable: true },
      ),
      matchedShare: obj(
        {
          periodStart: { type: 'string' },
          periodEnd: { type: 'string' },
          daysInPeriod: int,
          daysRecorded: int,
          consumptionWh: int,
          matchedWh: int,
          share: obj({ numerator: int, denominator: int, ppm: { type: 'integer', nullable: true } }),
        },
        { nullable: true, description: "the whole UTC days of the period, from the community's recorded matching days" },
      ),
    },
    { description: "The regulator's certificate report (core/src/certificates/report.ts, docs/certificates.md)" },
  ),
};

export const certificateAuditPaths = {
  '/certificate-issuers': {
    get: {
      operationId: 'listCertificateIssuers',
      description: "Any role. A page of the assets with an issuance cursor: the chain head the Regulator's peer endorsed.",
      parameters: paging,
      responses: { '200': answer(certificates.listIssuers), ...common },
    },
  },
  '/assets/{assetId}/certificate-records': {
    get: {
      operationId: 'listCertificateRecords',
      description:
        "Any role. A page of an asset's issuance chain log, issuance records or bundles (no holder), of the production hours " +
        'in [from, to) when given: what the audit recomputes the chain and its coverage from.',
      parameters: [
        asset,
        q('records', { type: 'string', enum: ['chain', 'issuances', 'bundles'] }, true),
        q('from', hour),
        q('to', hour),
        ...paging,
      ],
      responses: { '200': answer(certificates.listIssuerRecords), ...common },
    },
  },
  '/assets/{assetId}/certificate-accounts': {
    get: {
      operationId: 'getCertificateAccounts',
      description: "Any role. The one-claim-per-Wh accounts of up to 168 of an asset's hours [from, to) in one call.",
      parameters: [asset, q('from', hour, true), q('to', hour, true)],
      responses: { '200': answer(certificates.getHourAccounts), '404': err('ASSET_NOT_FOUND'), ...common },
    },
  },
  '/certificate-actions': {
    get: {
      operationId: 'listCertificateActions',
      description: 'Regulator, utility or operator. A page of the certificate transfers and claims whose transaction is in [from, to).',
      parameters: [q('from', hour, true), q('to', hour, true), ...paging],
      responses: { '200': answer(certificates.listCertificateActions), ...common },
    },
  },
  '/reports/certificates': {
    get: {
      operationId: 'getCertificateReport',
      description:
        "Regulator, utility or operator. The regulator's certificate report of [from, to) (at most 92 days), of one community " +
        'when named: per producer and source, P2P volumes and prices, the renewable share of consumption; as JSON, CSV or PDF. ' +
        'Every figure is recomputed by `npm run audit -- certificates --report <file>`.',
      parameters: [
        q('from', hour, true),
        q('to', hour, true),
        q('communityId', id),
        q('format', { type: 'string', enum: ['json', 'csv', 'pdf'], default: 'json' }),
      ],
      responses: {
        '200': {
          description: 'the report',
          content: {
            'application/json': { schema: ref('CertificateReport') },
            'text/csv': { schema: { type: 'string' } },
            'application/pdf': { schema: { type: 'string', format: 'binary' } },
          },
        },
        ...common,
      },
    },
  },
};
