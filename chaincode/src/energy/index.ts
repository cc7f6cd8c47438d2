import { AssetsContract } from './assets';
import { EnergyContract } from './energy';

export { AssetsContract, EnergyContract };
export { transferEnergyTokens } from './tokens';
export const energyContracts = [AssetsContract, EnergyContract];
