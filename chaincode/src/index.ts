/**
 * The gridledger chaincode, run as a service by `fabric-chaincode-node server`, which loads this
 * module and serves the contracts listed in `contracts` (namespaces registry, metering, system).
 */
import { MeteringContract } from './metering';
import { RegistryContract } from './registry';
import { SystemContract } from './system';
import { energyContracts } from './energy';

export { MeteringContract, RegistryContract, SystemContract };
export const contracts = [RegistryContract, MeteringContract, SystemContract, ...energyContracts];
