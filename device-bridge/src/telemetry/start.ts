import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import type { Registry } from 'prom-client';
import { DEFAULT_ALERT_RULES } from '@gridledger/core';
import type { FabricIdentity, FabricMetrics, PeerEndpoint } from '@gridledger/fabric-client';
import type { Logger } from '@gridledger/network';
import { FabricTelemetryLedger } from './fabric';
import { fileGridModel, ledgerGridModel } from './grid-model';
import { telemetryRoutes } from './http';
import { TelemetryMetrics } from './metrics';
import { TelemetryService } from './service';
import { TelemetryStore } from './store';

export interface TelemetryStartOptions {
  stateDir: string;
  communityId: string;
  mqttUrl: string;
  mqttOptions: IClientOptions;
  fabric: { peer: PeerEndpoint; identity: FabricIdentity; channel: string; chaincode: string; metrics?: FabricMetrics };
  registry: Registry;
  config: {
    GRIDLEDGER_TELEMETRY_RAW_HOURS: number;
    GRIDLEDGER_TELEMETRY_MINUTE_DAYS: number;
    GRIDLEDGER_TELEMETRY_MISSING_SECONDS: number;
    GRIDLEDGER_TELEMETRY_TICK_MS: number;
  };
  logger: Logger;
}

/** How often the telemetry service reads the grid model in force from the ledger. */
const GRID_MODEL_REFRESH_MS = 30_000;

/**
 * The telemetry service as the bridge's main runs it: the store in `<stateDir>/telemetry/telemetry.sqlite`,
 * the grid model from the ledger (limits) and `<stateDir>/telemetry/grid.json` (sensors), the ledger with the bridge's identity.
 */
export async function startTelemetry(o: TelemetryStartOptions) {
  const dir = join(o.stateDir, 'telemetry');
  const store = new TelemetryStore(join(dir, 'telemetry.sqlite'), {
    rawRetentionSeconds: o.config.GRIDLEDGER_TELEMETRY_RAW_HOURS * 3600,
    minuteRetentionSeconds: o.config.GRIDLEDGER_TELEMETRY_MINUTE_DAYS * 86_400,
  });
  const ledger = new FabricTelemetryLedger(o.fabric);
  const file = fileGridModel(join(dir, 'grid.json'), o.communityId, (e) => o.logger.error({ error: e.message }, 'grid.json not usable'));
  const grid = ledgerGridModel(
    () => ledger.gridZones(o.communityId),
    file,
    GRID_MODEL_REFRESH_MS,
    (e) => o.logger.warn({ error: e.message }, 'grid model not read from the ledger'),
  );
  const service = await TelemetryService.start({
    communityId: o.communityId,
    mqttUrl: o.mqttUrl,
    mqttOptions: o.mqttOptions,
    store,
    ledger,
    grid,
    metrics: new TelemetryMetrics(o.registry),
    rules: { ...DEFAULT_ALERT_RULES, missingAfterSeconds: o.config.GRIDLEDGER_TELEMETRY_MISSING_SECONDS },
    tickMs: o.config.GRIDLEDGER_TELEMETRY_TICK_MS,
    logger: o.logger,
  });
  return {
    service,
    store,
    routes: telemetryRoutes(service, store),
    async stop() {
      grid.stop();
      await service.stop();
      ledger.close();
    },
  };
}
