// fabric-contract-api logs every decorator at info level; tests want warnings and errors only.
process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'warning';
