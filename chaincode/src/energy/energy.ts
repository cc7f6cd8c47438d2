/**
 * The energy Fabric contract (namespace `energy`): the registration shell of its transactions.
 * Each delegates to the module of its concern: the metering window (close.ts, window.ts), a
 * household's detail (household.ts), a meter's exchange and retirement (meters.ts), disputes (disputes.ts).
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { respond } from '../respond';
import * as close from './close';
import * as disputes from './disputes';
import * as household from './household';
import * as meters from './meters';

/** Window close, positions, energy tokens, meter exchange and retirement, disputes. */
@Info({ title: 'energy', description: 'Window close, positions, energy tokens, disputes' })
export class EnergyContract extends Contract {
  constructor() {
    super('energy');
  }

  @Transaction()
  @Returns('string')
  async closeWindow(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'closeWindow', () => close.closeWindow(ctx, communityId, intervalStart));
  }

  @Transaction(false)
  @Returns('string')
  async getWindow(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getWindow', () => close.getWindow(ctx, communityId, intervalStart));
  }

  @Transaction(false)
  @Returns('string')
  async getPosition(ctx: Context, participantId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getPosition', () => household.getPosition(ctx, participantId, intervalStart));
  }

  @Transaction(false)
  @Returns('string')
  async listPositions(ctx: Context, query: string): Promise<string> {
    return respond(ctx, 'listPositions', () => household.listPositions(ctx, query));
  }

  @Transaction(false)
  @Returns('string')
  async getCommunityView(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getCommunityView', () => close.getCommunityView(ctx, communityId, intervalStart));
  }

  @Transaction(false)
  @Returns('string')
  async getTokenBalance(ctx: Context, participantId: string): Promise<string> {
    return respond(ctx, 'getTokenBalance', () => household.getTokenBalance(ctx, participantId));
  }

  @Transaction(false)
  @Returns('string')
  async listTokenMoves(ctx: Context, query: string): Promise<string> {
    return respond(ctx, 'listTokenMoves', () => household.listTokenMoves(ctx, query));
  }

  @Transaction(false)
  @Returns('string')
  async getEstimate(ctx: Context, meterId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getEstimate', () => household.getEstimate(ctx, meterId, intervalStart));
  }

  @Transaction()
  @Returns('string')
  async exchangeMeter(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'exchangeMeter', () => meters.exchangeMeter(ctx, request));
  }

  @Transaction()
  @Returns('string')
  async retireMeter(ctx: Context, meterId: string): Promise<string> {
    return respond(ctx, 'retireMeter', () => meters.retireMeter(ctx, meterId));
  }

  @Transaction()
  @Returns('string')
  async disputeReading(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'disputeReading', () => disputes.disputeReading(ctx, request));
  }

  @Transaction()
  @Returns('string')
  async resolveDispute(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'resolveDispute', () => disputes.resolveDispute(ctx, request));
  }

  @Transaction(false)
  @Returns('string')
  async getConsumption(ctx: Context, participantId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getConsumption', () => household.getConsumption(ctx, participantId, intervalStart));
  }

  @Transaction(false)
  @Returns('string')
  async verifyConsumption(ctx: Context, participantId: string, intervalStart: string, disclosed: string): Promise<string> {
    return respond(ctx, 'verifyConsumption', () => household.verifyConsumption(ctx, participantId, intervalStart, disclosed));
  }

  @Transaction(false)
  @Returns('string')
  async getDispute(ctx: Context, meterId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getDispute', () => disputes.getDispute(ctx, meterId, intervalStart));
  }
}
