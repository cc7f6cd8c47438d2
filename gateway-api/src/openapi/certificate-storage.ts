/**
 * OpenAPI of storage records (routes/certificate-storage.ts): paths and request schemas; the
 * answers are the catalogue's.
 */
import { catalogue, schema } from '@gridledger/core/catalogue';
import { answer } from './answers';
import { body, err } from './certificates';
import { id, instant } from './schemas';

const { certificates } = catalogue;
/** The errors of routes that may read household data (the consumption collection). */
export const common = {
  '400': err('REQUEST_INVALID or CERTIFICATE_INPUT_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED'),
  '503': err('LEDGER_UNAVAILABLE or PRIVATE_DATA_UNAVAILABLE'),
};
const p = (name: string, s: object = id) => ({ name, in: 'path', required: true, schema: s });
const hour = { ...instant, description: 'a UTC hour, such as 2026-11-21T10:00:00Z' };

export const certificateStoragePaths = {
  '/certificates/{bundleId}/storage-charge': {
    post: {
      operationId: 'chargeStorage',
      description:
        'The holder cancels the first quantityWh of the bundle into a storage charge record of its own battery ' +
        '(storageAssetId: an asset of source storage, ' +
        "alone on its meter), in the certificates' production hour and within the battery's metered import of that hour less what was " +
        "charged in it before. The record fixes the battery's measured efficiency: what discharge may release; the rest is losses. " +
        "With storageContractId instead, a storage contract's buyer charges the contract's battery (its storage asset), within the " +
        "contract's share of the hour's metered import; the record's discharge certificates go to the buyer.",
      parameters: [p('bundleId', schema.CertificateId)],
      requestBody: body('StorageChargeRequest'),
      responses: {
        '200': answer(certificates.chargeStorage),
        '404': err('CERTIFICATE_NOT_FOUND, ASSET_NOT_FOUND or STORAGE_CONTRACT_NOT_FOUND'),
        '409': err(
          'CERTIFICATE_CANCELLED, CERTIFICATE_EXPIRED, CERTIFICATE_WITHDRAWN, CERTIFICATE_RESERVED, CERTIFICATE_HOUR_OPEN, ' +
            'STORAGE_CONTRACT_STATE_CONFLICT, ...',
        ),
        '422': err(
          'STORAGE_CHARGE_EXCEEDS_METERED, CERTIFICATE_ASSET_UNVERIFIED, CERTIFICATE_QUANTITY_EXCEEDED, CERTIFICATE_PERIOD_MISMATCH or ' +
            'BATTERY_ASSET_MISSING',
        ),
        '410': err("READING_ARCHIVED: the battery meter's readings of the hour are past the readings' horizon"),
        ...common,
      },
    },
  },
  '/certificates/storage-discharges': {
    post: {
      operationId: 'issueStorageDischarge',
      description:
        "Regulator, utility or operator. Issues a verified battery's hour of metered discharge as storage discharge certificates to its " +
        'participant, allocated first in, first out over its charge records (one bundle per record, with its source and id); ' +
        "discharge no record covers is not certified. Once per hour; the Regulator's peer endorses it (key-level policy).",
      requestBody: body('StorageDischargeRequest'),
      responses: {
        '201': answer(certificates.issueStorageDischarge, 'issued'),
        '404': err('ASSET_NOT_FOUND'),
        '409': err('CERTIFICATE_HOUR_OPEN, CERTIFICATE_HOUR_ESTIMATED or CERTIFICATE_HOUR_ISSUED'),
        '422': err('CERTIFICATE_ASSET_UNVERIFIED'),
        ...common,
      },
    },
  },
  '/assets/{assetId}/storage-charges': {
    get: {
      operationId: 'listStorageCharges',
      description: "A battery's storage charge records: its participant, or the operator, utility or regulator.",
      parameters: [p('assetId')],
      responses: { '200': answer(certificates.listStorageCharges), '404': err('ASSET_NOT_FOUND'), ...common },
    },
  },
  '/assets/{assetId}/hours/{hourStart}/storage-share-inputs': {
    get: {
      operationId: 'getStorageShareInputs',
      description:
        "What a storage contract's share of a battery's hour is computed from, for the certificate audit to recompute it: the " +
        "battery meter's import and export of each interval of the hour with a reading, and the battery's reservations touching " +
        'the hour. The operator and the utility (the import is household data of the consumption collection).',
      parameters: [p('assetId'), p('hourStart', hour)],
      responses: { '200': answer(certificates.getStorageShareInputs), '404': err('ASSET_NOT_FOUND'), ...common },
    },
  },
};

export const certificateStorageSchemas = {
  StorageChargeRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['quantityWh'],
    properties: { storageAssetId: id, storageContractId: id, quantityWh: { type: 'integer', minimum: 1 } },
    anyOf: [{ required: ['storageAssetId'] }, { required: ['storageContractId'] }],
  },
  StorageDischargeRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['assetId', 'hourStart'],
    properties: { assetId: id, hourStart: hour },
  },
};
