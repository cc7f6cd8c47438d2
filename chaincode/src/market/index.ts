import { BilateralContract } from './bilateral';
import { CreditsContract } from './credits';
import { FiguresContract } from './figures';
import { MarketContract } from './market';

export { BilateralContract, CreditsContract, FiguresContract, MarketContract };
/** The market's Fabric contracts: namespaces credits, market, contracts (bilateral) and figures. */
export const marketContracts = [CreditsContract, MarketContract, BilateralContract, FiguresContract];
