import type { IClientOptions } from 'mqtt';
import type { FabricIdentity, FabricMetrics, PeerEndpoint } from '@gridledger/fabric-client';
import type { Logger } from '@gridledger/network';
import type { TelemetryService } from '../telemetry/service';
import type { TelemetryStore } from '../telemetry/store';
import { FabricDispatchLedger } from './ledger';
import { DispatchService } from './service';

export interface DispatchStartOptions {
  communityId: string;
  mqttUrl: string;
  mqttOptions: IClientOptions;
  fabric: { peer: PeerEndpoint; identity: FabricIdentity; channel: string; chaincode: string; metrics?: FabricMetrics };
  telemetry: { service: TelemetryService; store: TelemetryStore };
  config: { GRIDLEDGER_DISPATCH_POLL_MS: number; GRIDLEDGER_DISPATCH_AUTO_PRICE_MICROS_PER_KWH: number };
  logger: Logger;
}

/**
 * The dispatch service as the bridge's main runs it: its own broker principal (`dispatch:<communityId>`), the ledger with the
 * bridge's identity, delivery from the telemetry store, and the automatic rule on the telemetry service's FEEDER_OVERLOAD alerts.
 */
export async function startDispatch(o: DispatchStartOptions) {
  const ledger = new FabricDispatchLedger(o.fabric);
  const service = await DispatchService.start({
    communityId: o.communityId,
    mqttUrl: o.mqttUrl,
    mqttOptions: o.mqttOptions,
    ledger,
    samples: (meterId, from, to) => o.telemetry.store.deviceSamples(meterId, from, to),
    pollMs: o.config.GRIDLEDGER_DISPATCH_POLL_MS,
    autoPriceMicrosPerKwh: o.config.GRIDLEDGER_DISPATCH_AUTO_PRICE_MICROS_PER_KWH,
    logger: o.logger,
  });
  const unsubscribe = o.telemetry.service.onAlert((change, alertId) => {
    const { kind, zone } = change.observation;
    if (change.change !== 'raise' || kind !== 'FEEDER_OVERLOAD') return;
    const balance = o.telemetry.service.live().balance.zones.find((z) => z.zone === zone);
    if (balance === undefined || balance.limitW === null) return;
    service
      .onOverload(alertId, zone, balance.feederFlowW, balance.limitW)
      .catch((e: Error) => o.logger.warn({ alertId, error: e.message }, 'automatic dispatch failed'));
  });
  return {
    service,
    async stop() {
      unsubscribe();
      await service.stop();
      ledger.close();
    },
  };
}
