/**
 * Transfer efficiency e (docs/agents.md): the share of a seller's energy that reaches the buyer
 * over the community's grid model (core/src/grid/model.ts). The energy runs up the feeders from the
 * seller's zone to the zones' lowest common ancestor and down to the buyer's; each feeder keeps
 * (10^6 − lossPpm) / 10^6 of it. In ppm, rounded down at each feeder (integers only).
 * A zone the model does not know (or no model at all) is taken to hang off the connection point by
 * one feeder losing DEFAULT_FEEDER_LOSS_PPM: so two different unknown zones give two such feeders,
 * the same zone none.
 */
import { PPM } from '../market/order';
import { GridZone } from '../grid/model';

/** 2 % per feeder, the loss the bench's zonal network uses for every feeder. */
export const DEFAULT_FEEDER_LOSS_PPM = 20_000;

/** The zones from `zoneId` up to the root (the zone first), or just [zoneId, null] for an unknown zone. */
function pathUp(byId: ReadonlyMap<string, GridZone>, zoneId: string): { zone: string; lossPpm: number }[] {
  const path: { zone: string; lossPpm: number }[] = [];
  let at: GridZone | undefined = byId.get(zoneId);
  if (at === undefined)
    return [
      { zone: zoneId, lossPpm: DEFAULT_FEEDER_LOSS_PPM },
      { zone: '', lossPpm: 0 },
    ];
  while (at !== undefined && path.length <= byId.size) {
    path.push({ zone: at.zoneId, lossPpm: at.parentZoneId === null ? 0 : at.lossPpm });
    at = at.parentZoneId === null ? undefined : byId.get(at.parentZoneId);
  }
  if (path[path.length - 1].zone !== '') path.push({ zone: '', lossPpm: 0 });
  return path;
}

/** e × 10^6 from the seller's zone to the buyer's over `zones` (the community's grid model; [] when it has none). */
export function transferEfficiencyPpm(zones: readonly GridZone[], sellerZone: string, buyerZone: string): number {
  if (sellerZone === buyerZone) return PPM;
  const byId = new Map(zones.map((z) => [z.zoneId, z]));
  const up = pathUp(byId, sellerZone);
  const down = pathUp(byId, buyerZone);
  const common = up.findIndex((u) => down.some((d) => d.zone === u.zone));
  const feeders = [
    ...up.slice(0, common),
    ...down.slice(
      0,
      down.findIndex((d) => d.zone === up[common].zone),
    ),
  ];
  return feeders.reduce((e, f) => Math.floor((e * (PPM - f.lossPpm)) / PPM), PPM);
}
