/**
 * The market's Fabric contract (namespace `market`): the registration shell of its transactions.
 * Each delegates to the module of its concern: parameters (params.ts), orders (orders.ts), the
 * interval lifecycle (interval.ts), clearing (clearing.ts, its network and zones in zones.ts) and settlement (settlement.ts, with
 * its energy tokens in settlement-tokens.ts). The rules are the core's (clearAuction,
 * settleInterval); the modules load, check access and time, and store.
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { respond } from '../respond';
import * as clearing from './clearing';
import * as interval from './interval';
import * as orders from './orders';
import * as params from './params';
import * as settlement from './settlement';
import * as zones from './zones';

@Info({ title: 'market', description: 'Orders, clearing and settlement of the local energy market' })
export class MarketContract extends Contract {
  constructor() {
    super('market');
  }

  @Transaction()
  @Returns('string')
  async setParams(ctx: Context, communityId: string, change: string): Promise<string> {
    return respond(ctx, 'setParams', () => params.setParams(ctx, communityId, change));
  }

  @Transaction(false)
  @Returns('string')
  async getParams(ctx: Context, communityId: string, at: string): Promise<string> {
    return respond(ctx, 'getParams', () => params.getParams(ctx, communityId, at));
  }

  @Transaction()
  @Returns('string')
  async placeOrder(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'placeOrder', () => orders.placeOrder(ctx, request));
  }

  @Transaction()
  @Returns('string')
  async placeOrders(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'placeOrders', () => orders.placeOrders(ctx, request));
  }

  @Transaction()
  @Returns('string')
  async cancelOrder(ctx: Context, orderId: string): Promise<string> {
    return respond(ctx, 'cancelOrder', () => orders.cancelOrder(ctx, orderId));
  }

  @Transaction(false)
  @Returns('string')
  async getOrder(ctx: Context, orderId: string): Promise<string> {
    return respond(ctx, 'getOrder', () => orders.getOrder(ctx, orderId));
  }

  @Transaction(false)
  @Returns('string')
  async listOrders(ctx: Context, participantId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listOrders', () => orders.listOrders(ctx, participantId, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async getCurves(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getCurves', () => orders.getCurves(ctx, communityId, intervalStart));
  }

  @Transaction()
  @Returns('string')
  async closeInterval(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'closeInterval', () => interval.closeInterval(ctx, communityId, intervalStart));
  }

  @Transaction()
  @Returns('string')
  async clearInterval(ctx: Context, communityId: string, intervalStart: string, page?: string): Promise<string> {
    return respond(ctx, 'clearInterval', () => clearing.clearInterval(ctx, communityId, intervalStart, page));
  }

  @Transaction()
  @Returns('string')
  async settleInterval(ctx: Context, communityId: string, intervalStart: string, page: string): Promise<string> {
    return respond(ctx, 'settleInterval', () => settlement.settleInterval(ctx, communityId, intervalStart, page));
  }

  @Transaction()
  @Returns('string')
  async correctSettlement(ctx: Context, communityId: string, intervalStart: string, participantId: string): Promise<string> {
    return respond(ctx, 'correctSettlement', () => settlement.correctSettlement(ctx, communityId, intervalStart, participantId));
  }

  @Transaction(false)
  @Returns('string')
  async getInterval(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getInterval', () => interval.getInterval(ctx, communityId, intervalStart));
  }

  @Transaction(false)
  @Returns('string')
  async getClearing(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getClearing', () => clearing.getClearing(ctx, communityId, intervalStart));
  }

  @Transaction(false)
  @Returns('string')
  async getClearingOrders(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getClearingOrders', () => clearing.getClearingOrders(ctx, communityId, intervalStart));
  }

  @Transaction(false)
  @Returns('string')
  async getClearingZones(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getClearingZones', () => zones.getClearingZones(ctx, communityId, intervalStart));
  }

  @Transaction(false)
  @Returns('string')
  async getSettlement(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getSettlement', () => settlement.getSettlement(ctx, communityId, intervalStart));
  }

  @Transaction(false)
  @Returns('string')
  async listResults(ctx: Context, communityId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listResults', () => clearing.listResults(ctx, communityId, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async listDue(ctx: Context, communityId: string, status: string): Promise<string> {
    return respond(ctx, 'listDue', () => interval.listDue(ctx, communityId, status));
  }
}
