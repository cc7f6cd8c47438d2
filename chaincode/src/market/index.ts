import { ContractsContract } from './contracts';
import { CreditsContract } from './credits';
import { MarketContract } from './market';
import { FiguresContract } from './figures';

export { ContractsContract, CreditsContract, MarketContract };
/** The market's contracts: namespaces credits, market and contracts (bilateral). */
export const marketContracts = [CreditsContract, MarketContract, ContractsContract, FiguresContract];
