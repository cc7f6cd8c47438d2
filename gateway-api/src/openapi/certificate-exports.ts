/**
 * OpenAPI of the certificate exports (routes/certificate-exports.ts): views the gateway makes from
 * the catalogue's results with core's toEnergyTagBundle and mwhByDeviceMonth, so their schemas are
 * written here, field for field.
 */
import { id } from './schemas';

const str = { type: 'string' };
const nullableStr = { type: 'string', nullable: true };
const int = { type: 'integer' };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const err = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });
const json = (s: object) => ({ description: 'OK', content: { 'application/json': { schema: s } } });
const participant = {
  name: 'participantId',
  in: 'path',
  required: true,
  schema: id,
};
const errors = {
  '400': err('REQUEST_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED'),
  '503': err('LEDGER_UNAVAILABLE'),
};

const energyTagFields: Record<string, object> = {
  issuance_id: str,
  certificate_bundle_id_range_start: int,
  certificate_bundle_id_range_end: int,
  bundle_quantity: int,
  face_value: { type: 'integer', enum: [1] },
  certificate_bundle_status: { type: 'string', enum: ['Active', 'Reserved', 'Cancelled', 'Claimed', 'Expired', 'Withdrawn'] },
  account_id: str,
  beneficiary: nullableStr,
  energy_carrier: { type: 'string', enum: ['Electricity'] },
  energy_source: str,
  issuance_post_energy_carrier_conversion: { type: 'boolean', enum: [false] },
  device_id: str,
  device_name: str,
  device_technology_type: str,
  device_production_start_date: str,
  device_capacity: int,
  device_location: str,
  production_starting_interval: str,
  production_ending_interval: str,
  issuance_datestamp: str,
  expiry_datestamp: str,
  is_storage: { type: 'boolean' },
  allocated_storage_record_id: nullableStr,
  discharging_start_datetime: nullableStr,
  discharging_end_datetime: nullableStr,
  storage_efficiency_factor: { type: 'number', nullable: true },
  connected_grid_identification: str,
  issuing_body: str,
  issue_market_zone: str,
};

export const certificateExportSchemas = {
  EnergyTagBundle: {
    type: 'object',
    description: "A bundle in EnergyTag's API v2 GC bundle shape (core/src/certificates/export.ts)",
    required: Object.keys(energyTagFields),
    properties: energyTagFields,
  },
};

export const certificateExportPaths = {
  '/participants/{participantId}/certificates/energytag': {
    get: {
      operationId: 'exportCertificatesEnergyTag',
      description:
        "A page of a holder's bundles in EnergyTag's API v2 bundle shape (its snake_case field names; device_capacity in W, " +
        'bundle_quantity in Wh), status as of now: the holder itself, or the operator, utility or regulator.',
      parameters: [
        participant,
        { name: 'pageSize', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
        { name: 'bookmark', in: 'query', required: false, schema: { type: 'string', maxLength: 1024 } },
      ],
      responses: {
        '200': json({
          type: 'object',
          required: ['items', 'bookmark'],
          properties: { items: { type: 'array', items: ref('EnergyTagBundle') }, bookmark: str },
        }),
        ...errors,
      },
    },
  },
  '/participants/{participantId}/certificates/mwh': {
    get: {
      operationId: 'exportCertificatesMwh',
      description:
        "A holder's active certificates in whole MWh per device and production month (UTC), for registries that count MWh " +
        '(I-REC style): the remainder below a MWh is carried into the next month, never rounded up. complete is false when ' +
        'the holder has more than 20,000 bundles (only the first are counted).',
      parameters: [participant],
      responses: {
        '200': json({
          type: 'object',
          required: ['participantId', 'asOf', 'complete', 'periods'],
          properties: {
            participantId: str,
            asOf: str,
            complete: { type: 'boolean' },
            periods: {
              type: 'array',
              items: {
                type: 'object',
                required: ['deviceId', 'period', 'energyWh', 'carriedInWh', 'mwh', 'carriedOutWh'],
                properties: { deviceId: str, period: str, energyWh: int, carriedInWh: int, mwh: int, carriedOutWh: int },
              },
            },
          },
        }),
        ...errors,
      },
    },
  },
};
