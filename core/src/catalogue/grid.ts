import { GridZone } from './records';
import { arg, contractOf } from './transaction';
import { Id, Int, Nullable, Text, Type } from './schema';

/** A version of a community's grid model (chaincode/src/grid/store.ts). */
const GridModelVersion = Type.Object(
  {
    communityId: Text,
    effectiveFrom: Text,
    zones: Type.Array(GridZone),
    previousFrom: Nullable(Text),
    number: Int,
    changedBy: Text,
    mspId: Text,
    changedAt: Text,
    txId: Text,
  },
  { title: 'GridModelVersion' },
);

/** The community's grid model (chaincode/src/grid/contract.ts). */
const grid = contractOf('grid');
export const gridTransactions = {
  setModel: grid.submit('setModel', {
    args: [arg('communityId', Id), arg('request', Type.Object({ zones: Type.Array(GridZone), effectiveFrom: Text }))],
    result: GridModelVersion,
    access: { roles: ['utility'], msps: ['UtilityMSP'], rule: 'the utility of UtilityMSP' },
    events: ['GridModelChanged'],
    summary: 'a new version of the zones from a future interval of the market (its gate still open)',
  }),
  getModel: grid.evaluate('getModel', {
    args: [arg('communityId', Id), arg('at', Type.String({ description: "an instant, '' for now" }))],
    result: GridModelVersion,
    access: { roles: 'any', rule: 'any identity with a role' },
    summary: 'the version in force at `at`',
  }),
  listVersions: grid.evaluate('listVersions', {
    args: [arg('communityId', Id)],
    result: Type.Object({ versions: Type.Array(GridModelVersion) }, { title: 'GridModelVersions' }),
    access: { roles: ['operator', 'utility', 'regulator'], rule: 'the operator, the utility and the regulator' },
    summary: 'every change, oldest first, with its author and time',
  }),
};
