/**
 * The owner's mandate as the agent reads it (FR-14; docs/agents.md, *Mandates*): the limits its
 * owner signed. The same fields as the ledger's mandate record (core/src/p2p, being built beside
 * this): a limit of null means none beyond the market's band.
 */
import { AssetSource } from '../metering/assets';

export interface AgentMandate {
  /** The agent sells at no lower price (µ/kWh). */
  minSellPriceMicrosPerKwh: number | null;
  /** The agent buys at no higher price (µ/kWh). */
  maxBuyPriceMicrosPerKwh: number | null;
  /** Peer-to-peer energy per market interval and side (Wh). */
  maxEnergyWhPerInterval: number | null;
  /** Wh held back from what the home sells in an interval (its battery's reserve). */
  batteryReserveWh: number;
  /** A buyer takes offers of sellers with at least one asset of these sources; empty: any source. */
  preferredSources: AssetSource[];
  /** Sellers of the buyer's own zone only, or anyone in the community. */
  locality: 'zone' | 'community';
  /** Whether the agent may trade at all. */
  automation: boolean;
}
