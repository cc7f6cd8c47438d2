/**
 * The gridledger chaincode, run as a service by `fabric-chaincode-node server`, which loads this
 * module and serves the contracts listed in `contracts` (namespaces registry, metering, system, credits, market, the energy
 * contracts, certificates, grid, telemetry and storage).
 */
import { MeteringContract } from './metering';
import { RegistryContract } from './registry';
import { SystemContract } from './system';
import { energyContracts } from './energy';
import { marketContracts } from './market';
import { CertificatesContract } from './certificates';
import { GridContract } from './grid';
import { TelemetryContract } from './telemetry';
import { StorageContract } from './storage';
import { FlexContract } from './flex';
import { DispatchContract } from './dispatch';
import { ListsContract } from './lists/contract';
import { P2pContract } from './p2p/p2p';
import { quietShimDebugLogging } from './shim-logging';

quietShimDebugLogging();

export { MeteringContract, RegistryContract, SystemContract };
export const contracts = [
  RegistryContract,
  MeteringContract,
  SystemContract,
  ...marketContracts,
  ...energyContracts,
  CertificatesContract,
  GridContract,
  TelemetryContract,
  StorageContract,
  FlexContract,
  DispatchContract,
  ListsContract,
  P2pContract,
];
