import type { OpenApiParts } from './metering';

/** OpenAPI path of a trading agent's broker credential (routes/mqtt.ts, docs/agents.md). */
export function agentMqttPaths(p: OpenApiParts) {
  return {
    '/participants/{participantId}/agent-mqtt-credential': {
      post: {
        operationId: 'issueAgentMqttCredential',
        description:
          "A new broker credential for the household's trading agent, the principal `agent:<participantId>`: it reads the plans of the " +
          "household's meters (`gridledger/v1/{communityId}/meters/{meterId}/plan`, which the household publishes) and nothing else. " +
          "For the household's agent key or its owner's own key. Needs a registered meter. The old password stops working.",
        parameters: [p.pathParam('participantId')],
        responses: {
          '201': p.json({ $ref: '#/components/schemas/MqttCredential' }, 'a new credential; an earlier one of the agent stops working'),
          ...p.common,
          '503': p.errorResponse('BROKER_UNAVAILABLE or LEDGER_UNAVAILABLE'),
        },
      },
    },
  };
}
