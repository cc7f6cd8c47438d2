import { ErrorCodes } from '@gridledger/core/core';
import { HTTP_STATUS } from '../src';

describe('HTTP_STATUS', () => {
  it('has one status for every code, client errors for refusals and 5xx only for the platform', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.values(ErrorCodes).sort());
    const serverSide = Object.entries(HTTP_STATUS)
      .filter(([, s]) => s >= 500)
      .map(([c]) => c)
      .sort();
    expect(serverSide).toEqual([
      'BECKN_REGISTRY_UNAVAILABLE',
      'BROKER_UNAVAILABLE',
      'CA_REQUEST_FAILED',
      'INTERNAL',
      'LEDGER_UNAVAILABLE',
      'PRIVATE_DATA_UNAVAILABLE',
      'TELEMETRY_UNAVAILABLE',
    ]);
  });
});
