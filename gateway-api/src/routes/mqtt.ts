/**
 * Broker credentials (docs/security.md, "MQTT"): a meter gets its own when it is registered, and
 * again (a new password, the old one ends) from POST /meters/{meterId}/mqtt-credential; a household
 * gets one for its positions and its meters' topics from POST /participants/{id}/mqtt-credential.
 * Both are for the owner's own key: an agent's key (gl.agent) is refused them (OWNER_KEY_REQUIRED).
 * The household's trading agent has a principal of its own, `agent:<participantId>`, reading its
 * household's meters' plans only, from POST /participants/{id}/agent-mqtt-credential.
 */
import express from 'express';
import type { WalletUser } from '@gridledger/network';
import { isSelfActing } from '@gridledger/core/core';
import { assertActsFor, callerOf, denied, requireRoles } from '../access';
import type { BrokerPort, IssuedMqttCredential } from '../broker';
import { catalogue } from '@gridledger/core/catalogue';
import { call } from '../call';
import { ErrorCodes, GridLedgerError } from '../errors';
import type { LedgerPort, Logger } from '../ports';

const { registry } = catalogue;

interface MeterRecord {
  meterId: string;
  participantId: string;
  communityId: string;
}

/** Who may have a meter's credential made: its owner, the community's operator, the utility. */
const METER_CREDENTIAL_ROLES = ['prosumer', 'consumer', 'battery-provider', 'operator', 'utility'];

const noBroker = () => new GridLedgerError(ErrorCodes.BROKER_UNAVAILABLE, 'this gateway has no MQTT broker to make credentials on');

/**
 * The credential of a meter that was just registered, and its owner's household role widened to
 * the new meter's topics. The registration stands whatever happens here: when the broker fails,
 * the answer says so and the owner asks again at /meters/{meterId}/mqtt-credential.
 */
export async function credentialForNewMeter(
  broker: BrokerPort | undefined,
  meter: MeterRecord,
  log: Logger,
): Promise<{ mqtt: IssuedMqttCredential } | { mqttError: { code: string; message: string } }> {
  try {
    if (!broker) throw noBroker();
    const mqtt = await broker.grant({ kind: 'meter', communityId: meter.communityId, meterId: meter.meterId });
    await widenHousehold(broker, meter, log);
    return { mqtt };
  } catch (e) {
    const error =
      e instanceof GridLedgerError ? e : new GridLedgerError(ErrorCodes.BROKER_UNAVAILABLE, e instanceof Error ? e.message : String(e));
    log.error({ msg: 'no broker credential for a registered meter', meterId: meter.meterId, error: error.message });
    return { mqttError: { code: error.code, message: error.message } };
  }
}

/**
 * The household's role (and its agent's, when it has one) gets the new meter's topics. A failure here
 * must not cost the meter the credential it was just given (shown once): it is logged, and the
 * household's (or agent's) next credential grants every meter it has.
 */
async function widenHousehold(broker: BrokerPort, meter: MeterRecord, log: Logger): Promise<void> {
  try {
    const of = { communityId: meter.communityId, participantId: meter.participantId, meterIds: [meter.meterId] };
    await broker.extend({ kind: 'household', ...of });
    await broker.extend({ kind: 'agent', ...of });
  } catch (e) {
    log.error({
      msg: "the household's broker role lacks a new meter's topics",
      meterId: meter.meterId,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}

/**
 * A retired meter's broker principal ends with it: its connection is dropped and its password
 * stops working (the ledger refuses its readings anyway). The retirement stands whatever happens
 * here; a failure is logged.
 */
export async function endMeterCredential(broker: BrokerPort | undefined, meter: MeterRecord, log: Logger): Promise<void> {
  try {
    await broker?.remove({ kind: 'meter', communityId: meter.communityId, meterId: meter.meterId });
  } catch (e) {
    log.error({
      msg: "a retired meter's broker principal is left",
      meterId: meter.meterId,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}

export function mqttRoutes(ledger: LedgerPort, broker: BrokerPort | undefined): express.Router {
  const r = express.Router();

  r.post('/meters/:meterId/mqtt-credential', async (req, res) => {
    const caller = callerOf(res);
    requireRoles(caller, METER_CREDENTIAL_ROLES, 'a meter credential');
    const meter = (await call(ledger, caller, registry.getMeter, [req.params.meterId as string])) as MeterRecord | undefined;
    if (!meter) throw new GridLedgerError(ErrorCodes.METER_NOT_REGISTERED, `no meter ${req.params.meterId}`);
    assertActsFor(caller, meter.participantId);
    refuseAgent(caller, meter.participantId);
    if (!broker) throw noBroker();
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json(await broker.grant({ kind: 'meter', communityId: meter.communityId, meterId: meter.meterId }));
  });

  // The household's own credential (its owner's key only) and its trading agent's (the owner's or the agent's key).
  const participantCredentials = [
    ['/participants/:participantId/mqtt-credential', 'household'],
    ['/participants/:participantId/agent-mqtt-credential', 'agent'],
  ] as const;
  for (const [path, kind] of participantCredentials)
    r.post(path, async (req, res) => {
      const caller = callerOf(res);
      const participantId = req.params.participantId as string;
      requireSelf(caller, participantId);
      if (kind === 'household') refuseAgent(caller, participantId);
      const participant: { communityId?: string } | undefined = await call(ledger, caller, registry.getParticipant, [participantId]);
      const meters = ((await call(ledger, caller, registry.listMeters, [participantId])) ?? []) as MeterRecord[];
      const communityId = participant?.communityId;
      if (!communityId)
        throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'the participant has no meter and no community yet: register a meter first', {
          participantId,
        });
      if (!broker) throw noBroker();
      const credential = await broker.grant({ kind, communityId, participantId, meterIds: meters.map((m) => m.meterId) });
      res.status(201).set('Cache-Control', 'no-store').json(credential);
    });

  return r;
}

/** A household's broker credentials are made for the household only (its owner's key, or its agent's for the agent's). */
function requireSelf(caller: WalletUser, participantId: string): void {
  if (!isSelfActing(caller.role) || caller.participantId !== participantId)
    throw denied('a household credential is made for the household itself only', { participantId });
}

/** The household's and its meters' credentials are the owner's: an agent's key gets the agent's own. */
function refuseAgent(caller: WalletUser, participantId: string): void {
  if (caller.agent === true)
    throw new GridLedgerError(
      ErrorCodes.OWNER_KEY_REQUIRED,
      "an agent's key gets the agent's own broker credential (POST /participants/{participantId}/agent-mqtt-credential), not its owner's",
      { participantId },
    );
}
