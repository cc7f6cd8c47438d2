import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The telemetry service's Prometheus metrics, in the bridge's registry. No label holds a device id. */
export class TelemetryMetrics {
  readonly received: Counter;
  readonly stored: Counter;
  readonly refused: Counter<'code'>;
  readonly alerts: Counter<'kind' | 'change'>;
  readonly ledgerFailures: Counter<'operation'>;
  /** From the flush that saw an alert's condition to the raise's commit. */
  readonly alertCommitSeconds: Histogram;
  readonly devices: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.received = new Counter({
      name: 'gridledger_telemetry_samples_received_total',
      help: 'Messages on the telemetry topics',
      registers,
    });
    this.stored = new Counter({
      name: 'gridledger_telemetry_samples_stored_total',
      help: 'Samples written to the telemetry store',
      registers,
    });
    this.refused = new Counter({
      name: 'gridledger_telemetry_samples_refused_total',
      help: 'Samples refused, by error code (TELEMETRY_MALFORMED, _OUT_OF_RANGE, _DEVICE_UNKNOWN, _ZONE_MISMATCH)',
      labelNames: ['code'] as const,
      registers,
    });
    this.alerts = new Counter({
      name: 'gridledger_telemetry_alerts_total',
      help: 'Alert changes recorded on the ledger, by kind and change (raise, clear)',
      labelNames: ['kind', 'change'] as const,
      registers,
    });
    this.ledgerFailures = new Counter({
      name: 'gridledger_telemetry_ledger_failures_total',
      help: 'Ledger transactions of the telemetry service that failed (each is retried)',
      labelNames: ['operation'] as const,
      registers,
    });
    this.alertCommitSeconds = new Histogram({
      name: 'gridledger_telemetry_alert_commit_seconds',
      help: 'From the sample batch that raised an alert to the commit of its raise',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    });
    this.devices = new Gauge({ name: 'gridledger_telemetry_devices', help: 'Devices with a sample since the start', registers });
  }
}
