import { credentialForNewMeter, endMeterCredential } from '../src/routes/mqtt';
import type { BrokerPort, IssuedMqttCredential } from '../src/broker';
import type { Logger } from '../src/ports';
import { ErrorCodes } from '../src/errors';

const meter = { meterId: 'm-1', participantId: 'p-1', communityId: 'c-1' };
const credential = {
  url: 'mqtts://127.0.0.1:8883',
  username: 'meter:m-1',
  password: 'secret',
  clientId: 'meter:m-1',
  caCertPem: 'PEM',
} as unknown as IssuedMqttCredential;

function logger(): Logger & { errors: Record<string, unknown>[] } {
  const errors: Record<string, unknown>[] = [];
  const keep = (fields: Record<string, unknown> | string) => void errors.push(typeof fields === 'string' ? { msg: fields } : fields);
  return { errors, info: () => undefined, warn: keep, error: keep };
}

function broker(
  grant: () => Promise<IssuedMqttCredential>,
  extend: () => Promise<boolean>,
  remove: BrokerPort['remove'] = async () => undefined,
): BrokerPort {
  return { grant, extend, remove, close: async () => undefined };
}

it("a new meter keeps its credential when widening the household's role fails, and the failure is logged", async () => {
  const log = logger();
  const out = await credentialForNewMeter(
    broker(
      async () => credential,
      async () => {
        throw new Error('timeout');
      },
    ),
    meter,
    log,
  );
  expect(out).toEqual({ mqtt: credential });
  expect(log.errors).toHaveLength(1);
  expect(log.errors[0]).toMatchObject({ meterId: 'm-1', error: 'timeout' });
});

it("a new meter gets its credential and the household's and its agent's roles its topics when the broker answers", async () => {
  const log = logger();
  const extended: unknown[] = [];
  const out = await credentialForNewMeter(
    {
      ...broker(
        async () => credential,
        async () => true,
      ),
      extend: async (p) => extended.push(p) > 0,
    },
    meter,
    log,
  );
  expect(out).toEqual({ mqtt: credential });
  const of = { communityId: 'c-1', participantId: 'p-1', meterIds: ['m-1'] };
  expect(extended).toEqual([
    { kind: 'household', ...of },
    { kind: 'agent', ...of },
  ]);
  expect(log.errors).toEqual([]);
});

it('a broker that cannot grant gives BROKER_UNAVAILABLE in the answer, and no broker at all says so too', async () => {
  const failing = await credentialForNewMeter(
    broker(
      async () => {
        throw new Error('down');
      },
      async () => true,
    ),
    meter,
    logger(),
  );
  expect(failing).toEqual({ mqttError: { code: ErrorCodes.BROKER_UNAVAILABLE, message: 'down' } });
  const none = await credentialForNewMeter(undefined, meter, logger());
  expect(none).toMatchObject({ mqttError: { code: ErrorCodes.BROKER_UNAVAILABLE } });
});

it("a retired meter's principal is removed; a broker failure is logged, not thrown", async () => {
  const removed: unknown[] = [];
  await endMeterCredential(
    broker(
      async () => credential,
      async () => true,
      async (p) => void removed.push(p),
    ),
    meter,
    logger(),
  );
  expect(removed).toEqual([{ kind: 'meter', communityId: 'c-1', meterId: 'm-1' }]);
  const log = logger();
  await expect(
    endMeterCredential(
      broker(
        async () => credential,
        async () => true,
        async () => {
          throw new Error('down');
        },
      ),
      meter,
      log,
    ),
  ).resolves.toBeUndefined();
  expect(log.errors).toEqual([expect.objectContaining({ meterId: 'm-1', error: 'down' })]);
});
