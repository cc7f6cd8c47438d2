/**
 * What an agent identity (`gl.agent=true`, docs/security.md, *Agent identities*) may do outside the
 * `p2p` contract: read what it trades on (its own account, positions, tokens, orders, meters and
 * readings, the interval's market data) and place or cancel spot orders in the interval auction for
 * what bilateral trades leave, within the owner's mandate. Everything else (credit transfers and
 * withdrawals, disputes, assets, certificates, contracts, storage, flexibility, ...) is refused:
 * the chaincode checks this list for every transaction, in one place (respond).
 */
import { GridLedgerError } from '../core/errors';
import { checkMandate, Mandate } from './mandate';

/** The transactions (`contract:fn`) outside `p2p` an agent identity may call; each still checks its caller as for the owner. */
export const AGENT_TRANSACTIONS: readonly string[] = [
  'system:ping',
  'system:whoami',
  'registry:getParticipant',
  'registry:getMeter',
  'registry:listMeters',
  'metering:getParams',
  'metering:getReading',
  'metering:listReadings',
  'credits:getAccount',
  'market:getParams',
  'market:placeOrder',
  'market:placeOrders',
  'market:cancelOrder',
  'market:getOrder',
  'market:listOrders',
  'market:getCurves',
  'market:getInterval',
  'market:getClearing',
  'market:getClearingZones',
  'market:listResults',
  'figures:getIntervalFigures',
  'figures:getPeriodFigures',
  'energy:getPosition',
  'energy:listPositions',
  'energy:getTokenBalance',
  'energy:getCommunityView',
  'grid:getModel',
  'lists:listLatestResults',
];

/** The contract whose transactions an agent may all call: it checks agents itself (setMandate refused, trades only with automation). */
export const AGENT_CONTRACT = 'p2p';

/** Whether an agent identity may call the transaction `contract:fn`. */
export function agentMayCall(fn: string): boolean {
  return fn.startsWith(`${AGENT_CONTRACT}:`) || AGENT_TRANSACTIONS.includes(fn);
}

/** A spot order an agent places, with the energy its participant already has on that side in the interval. */
export interface AgentSpotOrder {
  side: 'sell' | 'buy';
  priceMicrosPerKwh: number;
  energyWh: number;
  /** Open spot orders of that side in the interval, and P2P energy traded on that side in it, in Wh. */
  tradedWh: number;
}

/**
 * The mandate rule a spot order by an agent breaks, or null: automation on, the price within the
 * minimum sell or maximum buy price, and the energy per interval, with the same codes as a P2P
 * trade. The P2P-only rules (battery reserve, sources, locality) do not apply: an auction order
 * has no seller to judge, and its capacity is checked by the market.
 */
export function checkAgentSpotOrder(mandate: Mandate | undefined, order: AgentSpotOrder): GridLedgerError | null {
  const spotRules = mandate && { ...mandate, batteryReserveWh: 0, preferredSources: [], locality: 'community' as const };
  return checkMandate(spotRules, { ...order, byAgent: true });
}
