/**
 * Who is who. Every person, device and service holds a Fabric identity whose certificate carries
 * the attributes `gl.role` and `gl.id`; chaincode and gateway decide access from them.
 */

/** Participant, meter and device ids appear in MQTT topics, ledger keys and CA attributes. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const ID_RULE = '1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

export const ROLES = [
  'prosumer',
  'consumer',
  'meter-bridge',
  'operator',
  'utility',
  'regulator',
  'battery-provider',
] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Ids in code-unit order: the same on every peer and in every language, unlike locale order. */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Certificate attribute names, as registered at the CA and read by the chaincode. */
export const ATTR_ROLE = 'gl.role';
export const ATTR_ID = 'gl.id';
