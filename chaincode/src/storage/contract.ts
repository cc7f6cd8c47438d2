/**
 * The storage marketplace's Fabric contract (namespace `storage`, docs/storage.md): batteries
 * (batteries.ts) and storage contracts (agreements.ts).
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { respond } from '../respond';
import { findBatteries, getBattery, linkBatteryAsset, listBatteries, registerBattery, reportStateOfCharge } from './batteries';
import { listStorageFeedback, recordStorageFeedback } from './feedback';
import { cancelStorage, confirmStorage, getStorageContract, listStorageContracts, settleStorageContract } from './agreements';

@Info({ title: 'storage', description: 'Batteries offered for storage and storage contracts: reservation, escrow, settlement' })
export class StorageContract extends Contract {
  constructor() {
    super('storage');
  }

  @Transaction()
  @Returns('string')
  async registerBattery(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'registerBattery', () => registerBattery(ctx, request));
  }

  @Transaction()
  @Returns('string')
  async linkBatteryAsset(ctx: Context, batteryId: string, request: string): Promise<string> {
    return respond(ctx, 'linkBatteryAsset', () => linkBatteryAsset(ctx, batteryId, request));
  }

  @Transaction(false)
  @Returns('string')
  async getBattery(ctx: Context, batteryId: string): Promise<string> {
    return respond(ctx, 'getBattery', () => getBattery(ctx, batteryId));
  }

  @Transaction(false)
  @Returns('string')
  async listBatteries(ctx: Context, communityId: string): Promise<string> {
    return respond(ctx, 'listBatteries', () => listBatteries(ctx, communityId));
  }

  @Transaction(false)
  @Returns('string')
  async searchBatteries(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'searchBatteries', () => findBatteries(ctx, request));
  }

  @Transaction()
  @Returns('string')
  async reportStateOfCharge(ctx: Context, batteryId: string, request: string): Promise<string> {
    return respond(ctx, 'reportStateOfCharge', () => reportStateOfCharge(ctx, batteryId, request));
  }

  @Transaction()
  @Returns('string')
  async confirmStorage(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'confirmStorage', () => confirmStorage(ctx, request));
  }

  @Transaction(false)
  @Returns('string')
  async getStorageContract(ctx: Context, contractId: string): Promise<string> {
    return respond(ctx, 'getStorageContract', () => getStorageContract(ctx, contractId));
  }

  @Transaction()
  @Returns('string')
  async cancelStorage(ctx: Context, contractId: string): Promise<string> {
    return respond(ctx, 'cancelStorage', () => cancelStorage(ctx, contractId));
  }

  @Transaction()
  @Returns('string')
  async settleStorage(ctx: Context, contractId: string): Promise<string> {
    return respond(ctx, 'settleStorage', () => settleStorageContract(ctx, contractId));
  }

  @Transaction()
  @Returns('string')
  async recordStorageFeedback(ctx: Context, contractId: string, request: string): Promise<string> {
    return respond(ctx, 'recordStorageFeedback', () => recordStorageFeedback(ctx, contractId, request));
  }

  @Transaction(false)
  @Returns('string')
  async listStorageFeedback(ctx: Context, contractId: string): Promise<string> {
    return respond(ctx, 'listStorageFeedback', () => listStorageFeedback(ctx, contractId));
  }

  @Transaction(false)
  @Returns('string')
  async listStorageContracts(ctx: Context, participantId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listStorageContracts', () => listStorageContracts(ctx, participantId, pageSize, bookmark));
  }
}
