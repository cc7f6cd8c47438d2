import { Counter, Histogram, type Registry } from 'prom-client';

/** Submission and commit latencies and MVCC retries of a process's Fabric transactions (the gateway's, the bridge's), on its registry. */
export class FabricMetrics {
  readonly submitSeconds: Histogram<'transaction'>;
  readonly commitSeconds: Histogram<'transaction'>;
  readonly mvccRetries: Counter<'transaction'>;

  constructor(registry: Registry) {
    const buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    const histogram = (name: string, help: string) =>
      new Histogram({ name, help, labelNames: ['transaction'], buckets, registers: [registry] });
    this.submitSeconds = histogram(
      'gridledger_fabric_submit_duration_seconds',
      'Endorsement and submission to the orderer, by chaincode function',
    );
    this.commitSeconds = histogram(
      'gridledger_fabric_commit_duration_seconds',
      'Wait for the commit status after submission, by chaincode function',
    );
    this.mvccRetries = new Counter({
      name: 'gridledger_fabric_mvcc_retries_total',
      help: 'Transactions proposed again after an MVCC or phantom read conflict, by chaincode function',
      labelNames: ['transaction'],
      registers: [registry],
    });
  }
}
