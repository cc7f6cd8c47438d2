import { ErrorCodes } from '@gridledger/core/core';
import { becknSettings, Inbox, openBecknDatabase } from '../../src';

describe('the inbox', () => {
  it('records a message_id once per sender and action, and keeps its payload until handled', () => {
    const db = openBecknDatabase(':memory:');
    const inbox = new Inbox(db);
    const key = { sender: 'bap.example.net', action: 'search', messageId: 'm-1' };
    expect(inbox.record(key, 'd1', '{"n":1}', 2_000, 1_000)).toBe('new');
    expect(inbox.record(key, 'd1', '{"n":1}', 2_000, 1_000)).toBe('repeat');
    expect(inbox.record(key, 'd2', '{"n":2}', 2_000, 1_000)).toBe('conflict');
    // Another sender, or another action, may use the same message_id (a callback pairs with its request).
    expect(inbox.record({ ...key, sender: 'other.example.net' }, 'd2', '{"n":3}', 2_000, 1_000)).toBe('new');
    expect(inbox.record({ ...key, action: 'on_search' }, 'd2', '{"n":4}', 2_000, 1_000)).toBe('new');
    expect(inbox.unhandled().sort()).toEqual(['{"n":1}', '{"n":3}', '{"n":4}']);
    inbox.markHandled(key);
    expect(inbox.unhandled().sort()).toEqual(['{"n":3}', '{"n":4}']);
    // Past its expiry a handled row goes (the context check refuses such a message anyway); unhandled ones stay.
    expect(inbox.record({ ...key, messageId: 'm-2' }, 'd', '{}', 5_000, 2_001)).toBe('new');
    expect(inbox.record(key, 'd2', '{"n":5}', 3_000, 2_001)).toBe('new');
    expect(inbox.unhandled()).toHaveLength(4);
    db.close();
  });
});

describe('Beckn settings', () => {
  it('default to the local registry file under the state directory', () => {
    const s = becknSettings('/state', {});
    expect(s).toMatchObject({
      registrySource: 'file /state/beckn/registry.json',
      signingKeyFile: '/state/beckn/signing.key',
      maxSignatureSeconds: 300,
      callbackAttempts: 8,
      callbackBackoffMs: 1_000,
    });
  });

  it('take a remote registry in either form, and stop on bad values with the variable named', async () => {
    const s = becknSettings('/state', {
      GRIDLEDGER_BECKN_REGISTRY_URL: 'http://127.0.0.1:1/dedi/',
      GRIDLEDGER_BECKN_REGISTRY_FORM: 'dedi',
      GRIDLEDGER_BECKN_SUBSCRIBER_ID: 'bpp.example.net',
    });
    expect(s.registrySource).toBe('dedi http://127.0.0.1:1/dedi');
    expect(s.subscriberId).toBe('bpp.example.net');
    await expect(s.registry.lookup('a.example.net', 'k')).rejects.toMatchObject({ code: ErrorCodes.BECKN_REGISTRY_UNAVAILABLE });
    expect(() => becknSettings('/state', { GRIDLEDGER_BECKN_REGISTRY_FORM: 'onix' })).toThrow(/GRIDLEDGER_BECKN_REGISTRY_FORM="onix"/);
    expect(() => becknSettings('/state', { GRIDLEDGER_BECKN_SIGNATURE_MAX_SECONDS: '7200' })).toThrow(/expected at most 3600/);
  });
});
