import { AssetsContract } from './assets';
import { EnergyContract } from './contract';

export { AssetsContract, EnergyContract };
export { transferEnergyTokens } from './tokens';
export const energyContracts = [AssetsContract, EnergyContract];
