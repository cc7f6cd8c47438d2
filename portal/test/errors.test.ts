import { ApiError, describeError } from '../src/api/errors';

describe('errors shown from their stable codes', () => {
  it('gives a person-readable message for the codes the portal meets, with the code beside it', () => {
    const d = describeError(new ApiError('INSUFFICIENT_CREDITS', 'escrow 5000000 exceeds available 0', 422));
    expect(d.code).toBe('INSUFFICIENT_CREDITS');
    expect(d.message).toMatch(/not have enough credits/);
    expect(d.message).not.toMatch(/escrow 5000000/);
    expect(describeError(new ApiError('UNAUTHENTICATED', 'x', 401)).message).toMatch(/key is not known/);
    expect(describeError(new ApiError('API_KEY_REVOKED', 'x', 401)).message).toMatch(/revoked/);
    expect(describeError(new ApiError('ACCESS_DENIED', 'x', 403)).message).toMatch(/role may not/);
  });

  it('falls back on the HTTP status for a code without a message of its own', () => {
    expect(describeError(new ApiError('CERTIFICATE_NOT_FOUND', 'x', 404))).toEqual({
      message: 'Not found.',
      code: 'CERTIFICATE_NOT_FOUND',
    });
    expect(describeError(new ApiError('ALERT_STATE_INVALID', 'x', 409)).message).toMatch(/conflicts/);
    expect(describeError(new ApiError('BROKER_UNAVAILABLE', 'x', 503)).message).toMatch(/went wrong/);
    expect(describeError(new ApiError('METER_INVALID', 'x', 400))).toEqual({ message: 'The request was refused.', code: 'METER_INVALID' });
  });

  it('shows a failure to reach the gateway as NETWORK', () => {
    expect(describeError(new TypeError('Failed to fetch'))).toEqual({
      message: expect.stringMatching(/cannot be reached/),
      code: 'NETWORK',
    });
  });
});
