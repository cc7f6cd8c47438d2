/**
 * Bilateral contracts in an islanded interval, pure (docs/islanding.md): the contracts' trades and
 * grid fees settle as connected, and the deviations of the parties the contract settlement settles
 * (those without spot orders in the interval) are shared among them like the spot deviations, with
 * settleIslandDeviations at the island price, instead of going to the utility.
 */
import { Posting } from '../market/settlement';
import { ContractPartySettlement } from '../market/contracts';
import { shareInIsland } from './island-interval';

/**
 * The contract settlement of an islanded interval from the connected one: every `deviation:`
 * posting with the utility replaced by `contract-island:<payer>:<payee>` postings (reason
 * `island-imbalance`) among the parties with a deviation settled here (shareInIsland); the
 * parties' balance changes summed again.
 */
export function islandContractSettlement<R extends { postings: Posting[]; parties: ContractPartySettlement[] }>(
  connected: R,
  priceMicrosPerKwh: number,
): R {
  const deviations = connected.parties
    .filter((p) => p.deviationWh !== null)
    .map((p) => ({ participantId: p.participantId, deviationWh: p.deviationWh! }));
  const { postings, netMicrosOf } = shareInIsland(connected.postings, deviations, priceMicrosPerKwh, 'contract-island');
  return { ...connected, postings, parties: connected.parties.map((p) => ({ ...p, netMicros: netMicrosOf(p.participantId) })) };
}
