const { generateKeyPairSync } = require('node:crypto');

/** A prosumer onboarded at the Community gateway with one bidirectional meter in the platform's community, and the meter's key. */
async function prosumerWithMeter(api, profile, operatorKey, participantId, exportCapacityW) {
  const { apiKey } = await api(profile, operatorKey, 'POST', '/participants', { participantId, role: 'prosumer' });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const meterId = `${participantId}.main`;
  await api(profile, apiKey, 'POST', '/meters', {
    meterId,
    participantId,
    kind: 'bidirectional',
    exportCapacityW,
    communityId: profile.mqtt.communityId,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
  });
  return { apiKey, meterId, privateKey };
}

module.exports = { prosumerWithMeter };
