import canonicalize from 'canonicalize';

/**
 * Canonical JSON (RFC 8785): keys sorted, no white space, ECMAScript number and string forms.
 * Used for signed bytes and for every value the chaincode stores, so that all peers write the same
 * bytes. canonicalize 2.x is the RFC author's implementation; 3.x and later are ESM-only, which a
 * CommonJS chaincode cannot load.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}
