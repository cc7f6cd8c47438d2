import { CreditsContract } from './credits';
import { MarketContract } from './market';

export { CreditsContract, MarketContract };
/** The market's contracts: namespaces credits and market. */
export const marketContracts = [CreditsContract, MarketContract];
