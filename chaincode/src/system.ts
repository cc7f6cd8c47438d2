import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { callerOf } from './access';
import { respondForAnyIdentity as respond } from './respond';

/** Liveness and identity checks; `noop` is the benchmarks' empty transaction. */
@Info({ title: 'system', description: 'Liveness, benchmarks and identity' })
export class SystemContract extends Contract {
  constructor() {
    super('system');
  }

  @Transaction(false)
  @Returns('string')
  async ping(ctx: Context): Promise<string> {
    return respond(ctx, 'ping', async () => ({ ok: true, mspId: ctx.clientIdentity.getMSPID() }));
  }

  /** Writes nothing: measures the ordering and commit path alone. */
  @Transaction()
  @Returns('string')
  async noop(ctx: Context): Promise<string> {
    return respond(ctx, 'noop', async () => ({ ok: true, txId: ctx.stub.getTxID() }));
  }

  @Transaction(false)
  @Returns('string')
  async whoami(ctx: Context): Promise<string> {
    return respond(ctx, 'whoami', async () => {
      const { mspId, role, participantId } = callerOf(ctx);
      return { mspId, role: role ?? null, participantId: participantId ?? null };
    });
  }
}
