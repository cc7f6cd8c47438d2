import { decodeErrorEnvelope, encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '../src/core/errors';

describe('error envelope across the Fabric boundary', () => {
  const error = new GridLedgerError(ErrorCodes.METER_NOT_REGISTERED, 'meter m-1 is not registered: "quoted", 100%', {
    meterId: 'm-1',
    count: 3,
    flag: true,
  });

  it('round-trips code, message and details', () => {
    const decoded = decodeErrorEnvelope(encodeErrorEnvelope(error));
    expect(decoded).toBeInstanceOf(GridLedgerError);
    expect(decoded!.toJSON()).toEqual(error.toJSON());
  });

  it('is found inside the text Fabric wraps around it', () => {
    const wrapped =
      `10 ABORTED: failed to endorse transaction, see attached details for more info; chaincode response 500, ` +
      `${encodeErrorEnvelope(error)}\n`;
    expect(decodeErrorEnvelope(wrapped)!.code).toBe(ErrorCodes.METER_NOT_REGISTERED);
  });

  it('refuses texts without an envelope, with a broken one, or with an unknown code', () => {
    expect(decodeErrorEnvelope('METER_NOT_REGISTERED: meter m-1 is not registered')).toBeUndefined();
    expect(decodeErrorEnvelope('gridledger-error:!!!')).toBeUndefined();
    expect(decodeErrorEnvelope('gridledger-error:bm90IGpzb24')).toBeUndefined();
    const unknown = Buffer.from(JSON.stringify({ code: 'NO_SUCH_CODE', message: 'x', details: {} })).toString('base64url');
    expect(decodeErrorEnvelope(`gridledger-error:${unknown}`)).toBeUndefined();
  });

  it('keeps only scalar details', () => {
    const odd = Buffer.from(JSON.stringify({ code: 'READING_MALFORMED', message: 'x', details: { a: 1, b: { c: 2 } } })).toString(
      'base64url',
    );
    expect(decodeErrorEnvelope(`gridledger-error:${odd}`)!.details).toEqual({ a: 1 });
  });
});
