/**
 * Writes Caliper's network configuration for a running GridLedger platform, from the profile `up`
 * wrote (<state>/network.json): a connection profile (the organization's peer over TLS, with its TLS
 * CA root and server name) and Caliper's v2 network config naming the channel, the chaincode and
 * the wallet identity to use (certificate and key by path). Only the one organization whose peer
 * the load goes to is described, as the peer-gateway binding talks to the first peer of each.
 *
 *   node test/bench/caliper/network-config.js <stateDir> <outDir> [org] [user]
 *
 * Plain Node, no Caliper import: test/bench/ledger.js requires it without Caliper installed.
 */
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

function writeCaliperNetwork(profile, outDir, org = 'community', userId = `${org}-operator`) {
  const o = profile.orgs[org];
  if (!o) throw new Error(`no organization ${org} in the network profile`);
  const user = o.users[userId];
  if (!user) throw new Error(`no user ${userId} in ${org}'s wallet`);
  const peerName = `peer0.${org}`;
  const connectionProfile = {
    name: `gridledger-${org}`,
    version: '1.0.0',
    client: { organization: o.mspId },
    organizations: { [o.mspId]: { mspid: o.mspId, peers: [peerName] } },
    peers: {
      [peerName]: {
        url: `grpcs://${o.peer.endpoint}`,
        tlsCACerts: { path: o.peer.tlsRootCertPath },
        grpcOptions: { 'ssl-target-name-override': o.peer.hostAlias },
      },
    },
  };
  const networkConfig = {
    name: 'gridledger',
    version: '2.0.0',
    caliper: { blockchain: 'fabric' },
    channels: [{ channelName: profile.channel, contracts: [{ id: profile.chaincode }] }],
    organizations: [
      {
        mspid: o.mspId,
        identities: {
          certificates: [{ name: user.id, clientPrivateKey: { path: user.keyPath }, clientSignedCert: { path: user.certPath } }],
        },
        connectionProfile: { path: join(outDir, `connection-${org}.json`), discover: false },
      },
    ],
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `connection-${org}.json`), `${JSON.stringify(connectionProfile, null, 2)}\n`);
  // JSON is YAML: Caliper reads this file with its YAML parser.
  const networkConfigPath = join(outDir, 'network-config.yaml');
  writeFileSync(networkConfigPath, `${JSON.stringify(networkConfig, null, 2)}\n`);
  return { networkConfigPath, mspId: o.mspId, identity: user.id };
}

module.exports = { writeCaliperNetwork };

if (require.main === module) {
  const [stateDir, outDir, org, user] = process.argv.slice(2);
  if (!stateDir || !outDir) {
    console.error('usage: node network-config.js <stateDir> <outDir> [org] [user]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(join(stateDir, 'network.json'), 'utf8'));
  console.log(writeCaliperNetwork(profile, outDir, org, user).networkConfigPath);
}
