/**
 * Caliper workload: every transaction calls one chaincode function without arguments, submitted
 * (endorse, order, wait for the commit status) or evaluated (readOnly), as the given identity.
 * Round arguments: contractId, contractFunction, readOnly, invokerMspId, invokerIdentity.
 */
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');

class CallWorkload extends WorkloadModuleBase {
  async submitTransaction() {
    const a = this.roundArguments;
    await this.sutAdapter.sendRequests({
      contractId: a.contractId,
      contractFunction: a.contractFunction,
      contractArguments: [],
      invokerMspId: a.invokerMspId,
      invokerIdentity: a.invokerIdentity,
      readOnly: Boolean(a.readOnly),
    });
  }
}

module.exports.createWorkloadModule = () => new CallWorkload();
