const { fabricBinDir } = require('../dist/binaries');

module.exports = async () => {
  process.env.GRIDLEDGER_FABRIC_BIN = fabricBinDir();
};
