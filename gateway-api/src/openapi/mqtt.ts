import type { OpenApiParts } from './metering';

/** OpenAPI paths and schemas of broker credentials (routes/mqtt.ts). */
export const mqttSchemas = {
  MqttCredential: {
    type: 'object',
    description:
      'A broker credential, shown once (the broker keeps only a PBKDF2 hash). Connect over TLS to `url`, trusting `caCertPem`, with ' +
      '`username`, `password` and exactly `clientId`.',
    required: ['url', 'caCertPem', 'username', 'password', 'clientId'],
    properties: {
      url: { type: 'string', example: 'mqtts://127.0.0.1:1883' },
      caCertPem: { type: 'string' },
      username: { type: 'string', example: 'meter:home-1.main' },
      password: { type: 'string' },
      clientId: { type: 'string', example: 'meter:home-1.main' },
    },
  },
};

export function mqttPaths(p: OpenApiParts) {
  const created = p.json(
    { $ref: '#/components/schemas/MqttCredential' },
    'a new credential; an earlier one of the same principal stops working',
  );
  const unavailable = p.errorResponse('BROKER_UNAVAILABLE or LEDGER_UNAVAILABLE');
  return {
    '/meters/{meterId}/mqtt-credential': {
      post: {
        operationId: 'issueMeterMqttCredential',
        description:
          'A new broker credential for a meter (publish its readings, read its receipts and commands): for its owner, the operator or ' +
          "the utility (not an agent's key: OWNER_KEY_REQUIRED). The old password stops working and a client connected with it is " +
          'disconnected.',
        parameters: [p.pathParam('meterId')],
        responses: {
          '201': created,
          '404': p.errorResponse('METER_NOT_REGISTERED'),
          ...p.common,
          '403': p.errorResponse("ACCESS_DENIED, or OWNER_KEY_REQUIRED: an agent's key"),
          '503': unavailable,
        },
      },
    },
    '/participants/{participantId}/mqtt-credential': {
      post: {
        operationId: 'issueHouseholdMqttCredential',
        description:
          "A new broker credential for the calling household itself: read its positions and its meters' readings and receipts, publish " +
          "its meters' plans. Needs a registered meter (the participant's community). The owner's own key only: an agent's key is " +
          'refused with OWNER_KEY_REQUIRED (it has its own, /participants/{participantId}/agent-mqtt-credential).',
        parameters: [p.pathParam('participantId')],
        responses: {
          '201': created,
          ...p.common,
          '403': p.errorResponse("ACCESS_DENIED, or OWNER_KEY_REQUIRED: an agent's key"),
          '503': unavailable,
        },
      },
    },
  };
}
