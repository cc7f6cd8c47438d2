import { CONSUMPTION_MEMBERS, type DispatchAck, type DispatchRecord, type DispatchRequest, type FlexResource } from '@gridledger/core';
import { BridgeFabricPort, json } from '../fabric-port';

/** What the dispatch service reads and writes on the ledger (the dispatch contract, docs/dispatch.md). */
export interface DispatchLedger {
  openDispatches(communityId: string): Promise<DispatchRecord[]>;
  resources(communityId: string): Promise<FlexResource[]>;
  request(request: DispatchRequest): Promise<DispatchRecord>;
  recordAck(communityId: string, dispatchId: string, ack: DispatchAck): Promise<DispatchRecord>;
  markNonResponsive(communityId: string, dispatchId: string): Promise<DispatchRecord>;
  settle(
    communityId: string,
    dispatchId: string,
    delivery: { baselineW: number; duringW: number; samples: number },
  ): Promise<DispatchRecord>;
  /** A dispatch settled from telemetry alone, capped by its readings once they are on the ledger. */
  resettle(communityId: string, dispatchId: string): Promise<DispatchRecord>;
  /** A storage battery's state of charge, as its device published it (storage:reportStateOfCharge, docs/storage.md). */
  reportStateOfCharge(batteryId: string, socWh: number): Promise<void>;
}

/** The dispatch contract on Fabric, with the bridge's identity (a meter-bridge of the Community). */
export class FabricDispatchLedger extends BridgeFabricPort implements DispatchLedger {
  /** Every page of a listing. */
  private async all<T>(fn: string, communityId: string): Promise<T[]> {
    const items: T[] = [];
    let bookmark = '';
    do {
      const page = json(await this.fabric.evaluate(this.c.identity, fn, [communityId, bookmark])) as { items: T[]; bookmark: string };
      items.push(...page.items);
      bookmark = page.bookmark;
    } while (bookmark !== '');
    return items;
  }

  openDispatches(communityId: string): Promise<DispatchRecord[]> {
    return this.all('dispatch:listOpenDispatches', communityId);
  }

  resources(communityId: string): Promise<FlexResource[]> {
    return this.all('dispatch:listResources', communityId);
  }

  private async submit(fn: string, args: string[], endorsingOrganizations?: string[]): Promise<DispatchRecord> {
    const options = endorsingOrganizations === undefined ? {} : { endorsingOrganizations };
    return json((await this.fabric.submit(this.c.identity, fn, args, options)).result) as DispatchRecord;
  }

  request(request: DispatchRequest): Promise<DispatchRecord> {
    return this.submit('dispatch:requestDispatch', [JSON.stringify(request)]);
  }

  recordAck(communityId: string, dispatchId: string, ack: DispatchAck): Promise<DispatchRecord> {
    return this.submit('dispatch:recordAck', [communityId, dispatchId, JSON.stringify(ack)]);
  }

  markNonResponsive(communityId: string, dispatchId: string): Promise<DispatchRecord> {
    return this.submit('dispatch:markNonResponsive', [communityId, dispatchId]);
  }

  settle(
    communityId: string,
    dispatchId: string,
    delivery: { baselineW: number; duringW: number; samples: number },
  ): Promise<DispatchRecord> {
    // The chaincode reads the meter's import from the consumption collection: endorsed by its members only.
    return this.submit('dispatch:settleDispatch', [communityId, dispatchId, JSON.stringify(delivery)], [...CONSUMPTION_MEMBERS]);
  }

  resettle(communityId: string, dispatchId: string): Promise<DispatchRecord> {
    return this.submit('dispatch:resettleDispatch', [communityId, dispatchId], [...CONSUMPTION_MEMBERS]);
  }

  async reportStateOfCharge(batteryId: string, socWh: number): Promise<void> {
    await this.fabric.submit(this.c.identity, 'storage:reportStateOfCharge', [batteryId, JSON.stringify({ socWh })]);
  }

  close(): void {
    this.fabric.close();
  }
}
