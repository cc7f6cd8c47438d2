import {
  ErrorCodes,
  GridLedgerError,
  validateMeteringParams,
  type AlertRaise,
  type GridAlert,
  type GridZone,
  type ZoneIntervalTelemetry,
} from '@gridledger/core';
import type { MeterInfo, TelemetryLedger } from './service';
import { BridgeFabricPort, json } from '../fabric-port';

/**
 * The telemetry service's ledger on Fabric, with the bridge's identity (a meter-bridge of the
 * Community): the registry's meters, the metering interval, and the telemetry contract's records.
 */
export class FabricTelemetryLedger extends BridgeFabricPort implements TelemetryLedger {
  async meter(meterId: string): Promise<MeterInfo | undefined> {
    try {
      const m = json(await this.fabric.evaluate(this.c.identity, 'registry:getMeter', [meterId])) as MeterInfo;
      return { participantId: m.participantId, zone: m.zone, active: m.active };
    } catch (e) {
      if (e instanceof GridLedgerError && (e.code === ErrorCodes.METER_NOT_REGISTERED || e.code === ErrorCodes.METER_INVALID))
        return undefined;
      throw e;
    }
  }

  /** The zones of the community's grid model in force now, or undefined when it has none (GRID_MODEL_NOT_FOUND). */
  async gridZones(communityId: string): Promise<GridZone[] | undefined> {
    try {
      return (json(await this.fabric.evaluate(this.c.identity, 'grid:getModel', [communityId, ''])) as { zones: GridZone[] }).zones;
    } catch (e) {
      if (e instanceof GridLedgerError && e.code === ErrorCodes.GRID_MODEL_NOT_FOUND) return undefined;
      throw e;
    }
  }

  async intervalSeconds(): Promise<number> {
    return validateMeteringParams(json(await this.fabric.evaluate(this.c.identity, 'metering:getParams', []))).intervalSeconds;
  }

  async recordZoneIntervals(communityId: string, intervalStart: string, records: ZoneIntervalTelemetry[]): Promise<void> {
    await this.fabric.submit(this.c.identity, 'telemetry:recordZoneIntervals', [communityId, intervalStart, JSON.stringify(records)]);
  }

  async raiseAlert(alert: AlertRaise): Promise<void> {
    await this.fabric.submit(this.c.identity, 'telemetry:raiseAlert', [JSON.stringify(alert)]);
  }

  async clearAlert(communityId: string, alertId: string, clearValue: number): Promise<void> {
    await this.fabric.submit(this.c.identity, 'telemetry:clearAlert', [communityId, alertId, String(clearValue)]);
  }

  async activeAlerts(communityId: string): Promise<GridAlert[]> {
    return (
      json(await this.fabric.evaluate(this.c.identity, 'telemetry:listAlerts', [communityId, 'active', ''])) as { alerts: GridAlert[] }
    ).alerts;
  }

  close(): void {
    this.fabric.close();
  }
}
