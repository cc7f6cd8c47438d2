/**
 * The lists of flexible resources and dispatches (docs/dispatch.md, *Lists*): a household's own, a
 * community's for the operator, the utility and the regulator. Each reads an index written with its
 * record (keys.ts), never a hot key: resources by owner (and community), dispatches by owner, by
 * community and by resource, newest first. A dispatch's status changes after its index is written,
 * so the status filter is applied to the records read: a page reads at most SCAN index entries and
 * may hold fewer than `pageSize` dispatches with a bookmark still to follow.
 */
import { Context } from 'fabric-contract-api';
import { DISPATCH_STATUSES, ErrorCodes, GridLedgerError, type DispatchRecord, type FlexResource } from '@gridledger/core';
import { Caller, requireOwnRecords } from '../access';
import { checkId } from '../args';
import { key, KeyType, KeyTypes } from '../keys';
import { getRecord, putRecord } from '../ledger';
import { newestFirstPart } from '../lists/indexes';
import { LIST_MAX_PAGE, pageSizeOf, readIndexPage, readPage } from '../paging';

/** The most index entries one page of dispatches reads. */
export const SCAN = LIST_MAX_PAGE;

type DispatchRef = { communityId: string; dispatchId: string };
type Page<T> = { items: T[]; bookmark: string };

/**
 * A resource's indexes, by community and by owner; written at every registration, so that registering
 * again indexes a resource registered before the owner index existed. Neither moves: a resource's
 * owner never changes and its meter is in its owner's one community (registry: METER_COMMUNITY_CONFLICT).
 */
export async function indexResource(ctx: Context, r: FlexResource): Promise<void> {
  await putRecord(ctx, key(ctx, KeyTypes.flexResourceIn, r.communityId, r.resourceId), { resourceId: r.resourceId });
  await putRecord(ctx, key(ctx, KeyTypes.flexResourceBy, r.ownerId, r.communityId, r.resourceId), { resourceId: r.resourceId });
}

/** A new dispatch's three indexes, newest first by its request time. */
export async function indexDispatch(ctx: Context, d: DispatchRecord): Promise<void> {
  const newest = newestFirstPart(d.requestedAt);
  const ref: DispatchRef = { communityId: d.communityId, dispatchId: d.dispatchId };
  await putRecord(ctx, key(ctx, KeyTypes.dispatchBy, d.ownerId, newest, d.communityId, d.dispatchId), ref);
  await putRecord(ctx, key(ctx, KeyTypes.dispatchIn, d.communityId, newest, d.dispatchId), ref);
  await putRecord(ctx, key(ctx, KeyTypes.dispatchFor, d.resourceId, newest, d.communityId, d.dispatchId), ref);
}

const optionalId = (value: string, field: string): string | undefined => (value === '' ? undefined : checkId(value, field));

/**
 * A page of resources: an owner's (a household names itself; optionally of one community), else a community's (not for a
 * household). `gridRoles` may read anyone's.
 */
export async function resourcePage(
  ctx: Context,
  caller: Caller,
  args: { communityId: string; ownerId: string; pageSize: string; bookmark: string },
  load: (resourceId: string) => Promise<FlexResource>,
): Promise<Page<FlexResource>> {
  const communityId = optionalId(args.communityId, 'communityId');
  const ownerId = optionalId(args.ownerId, 'ownerId');
  requireOwnRecords(caller, ownerId, 'list flexible resources');
  const size = pageSizeOf(args.pageSize || undefined, LIST_MAX_PAGE);
  let type: KeyType;
  let attributes: string[];
  if (ownerId !== undefined) [type, attributes] = [KeyTypes.flexResourceBy, communityId === undefined ? [ownerId] : [ownerId, communityId]];
  else if (communityId !== undefined) [type, attributes] = [KeyTypes.flexResourceIn, [communityId]];
  else throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'name a communityId or an ownerId', { field: 'communityId' });
  const page = await readPage<{ resourceId: string }>(ctx, type, attributes, { size, bookmark: args.bookmark });
  const items: FlexResource[] = [];
  for (const { resourceId } of page.items) items.push(await load(resourceId));
  return { items, bookmark: page.bookmark };
}

export interface DispatchFilter {
  communityId: string;
  ownerId: string;
  resourceId: string;
  status: string;
  pageSize: string;
  bookmark: string;
}

/**
 * A page of dispatches, newest first: of a resource (its owner's, or anyone's for the grid roles), of an owner (a household
 * names itself), else of a community (not for a household); filtered by community and status.
 */
export async function dispatchPage(
  ctx: Context,
  caller: Caller,
  filter: DispatchFilter,
  loadResource: (resourceId: string) => Promise<FlexResource>,
): Promise<Page<DispatchRecord>> {
  const communityId = optionalId(filter.communityId, 'communityId');
  const ownerId = optionalId(filter.ownerId, 'ownerId');
  const resourceId = optionalId(filter.resourceId, 'resourceId');
  const status = filter.status === '' ? undefined : filter.status;
  if (status !== undefined && !(DISPATCH_STATUSES as readonly string[]).includes(status))
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `status must be one of ${DISPATCH_STATUSES.join(', ')}`, { field: 'status' });
  requireOwnRecords(caller, ownerId, 'list dispatches');
  const size = pageSizeOf(filter.pageSize || undefined, LIST_MAX_PAGE);
  let type: KeyType;
  let attributes: string[];
  if (resourceId !== undefined) {
    const resource = await loadResource(resourceId);
    requireOwnRecords(caller, resource.ownerId, 'list the dispatches of resources');
    [type, attributes] = [KeyTypes.dispatchFor, [resourceId]];
  } else if (ownerId !== undefined) [type, attributes] = [KeyTypes.dispatchBy, [ownerId]];
  else if (communityId !== undefined) [type, attributes] = [KeyTypes.dispatchIn, [communityId]];
  else throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'name a communityId, an ownerId or a resourceId', { field: 'communityId' });
  const keep = (d: DispatchRecord) =>
    (communityId === undefined || d.communityId === communityId) &&
    (ownerId === undefined || d.ownerId === ownerId) &&
    (status === undefined || d.status === status);
  return readIndexPage(ctx, type, attributes, { size, scan: SCAN, bookmark: filter.bookmark }, async (ref: DispatchRef) => {
    const d = await getRecord<DispatchRecord>(ctx, key(ctx, KeyTypes.dispatch, ref.communityId, ref.dispatchId));
    return d !== undefined && keep(d) ? d : undefined;
  });
}
