const { down } = require('../../network/dist/up');

module.exports = async () => {
  const stateDir = process.env.GRIDLEDGER_TEST_STATE;
  if (!stateDir || process.env.GRIDLEDGER_TEST_KEEP) return;
  await down(stateDir, { purge: true, log: () => undefined });
  globalThis.gridledgerPortLease?.release();
};
