/**
 * Who is who. Every person, device and service holds a Fabric identity whose certificate carries
 * the attributes `gl.role` and `gl.id`; chaincode and gateway decide access from them.
 */

/** Participant, meter and device ids appear in MQTT topics, ledger keys and CA attributes. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const ID_RULE = '1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

export const ROLES = ['prosumer', 'consumer', 'meter-bridge', 'operator', 'utility', 'regulator', 'battery-provider'] as const;

export type Role = (typeof ROLES)[number];

/**
 * The roles that act for one participant, named by the identity's gl.id: households and battery
 * providers. Such an identity acts only when that participant's ledger record belongs to the
 * identity's own MSP and has its role (an organization's CA can put any gl.id in a certificate).
 */
export const SELF_ACTING_ROLES: readonly Role[] = ['prosumer', 'consumer', 'battery-provider'];

export const isSelfActing = (role: string | undefined): boolean => (SELF_ACTING_ROLES as readonly (string | undefined)[]).includes(role);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The settlement bank's account: the market's postings to and from the utility. */
export const UTILITY_ACCOUNT = 'utility';

/**
 * Ids no participant may take: the settlement bank's account and the service identities every
 * organization's CA issues at start.
 */
export const RESERVED_PARTICIPANT_IDS: readonly string[] = [
  UTILITY_ACCOUNT,
  'regulator',
  'community-operator',
  'bridge',
  'admin',
  'system',
  'market',
];

export const isReservedParticipantId = (id: string): boolean => RESERVED_PARTICIPANT_IDS.includes(id.toLowerCase());

export const MAX_DISPLAY_NAME = 128;

/**
 * A display name: 1 to 128 characters, none of them a control character (C0, DEL, C1) nor an
 * invisible formatting one that can make a name read differently from what it is (bidirectional
 * overrides and isolates, zero-width characters, the BOM, line and paragraph separators).
 */
export function isDisplayName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_DISPLAY_NAME &&
    value.trim() === value &&
    // eslint-disable-next-line no-control-regex -- control and formatting characters are what the check refuses
    !/[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/u.test(value)
  );
}

/** Ids in code-unit order: the same on every peer and in every language, unlike locale order. */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Certificate attribute names, as registered at the CA and read by the chaincode. */
export const ATTR_ROLE = 'gl.role';
export const ATTR_ID = 'gl.id';
/**
 * `gl.agent=true` on a household identity: the participant's trading agent, not its owner
 * (docs/p2p.md, *Agents and owners*). It trades peer to peer only within the owner's mandate, with
 * automation on, and cannot set the mandate.
 */
export const ATTR_AGENT = 'gl.agent';
