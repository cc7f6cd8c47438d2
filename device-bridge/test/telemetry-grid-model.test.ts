import { ledgerGridModel, limitsOf, type GridModel, type GridModelSource } from '../src/telemetry/grid-model';

const zone = (zoneId: string, parentZoneId: string | null, exportLimitW: number, importLimitW: number) => ({
  zoneId,
  parentZoneId,
  exportLimitW,
  importLimitW,
  lossPpm: 0,
});

const fileModel: GridModel = {
  limits: [{ zone: 'f1', importLimitW: 1000, exportLimitW: 1000 }],
  sensors: new Map([['head-f1', { deviceId: 'head-f1', zone: 'f1', kind: 'feeder' as const }]]),
};
const file: GridModelSource = { current: () => fileModel };

it("takes the limits from the ledger's model (every zone but the connection point) and the sensors from the file", async () => {
  const zones = [zone('root', null, 0, 0), zone('f1', 'root', 40_000, 30_000), zone('f2', 'root', 5_000, 5_000)];
  const grid = ledgerGridModel(async () => zones, file, 60_000);
  await grid.refresh();
  grid.stop();
  expect(grid.current().limits).toEqual([
    { zone: 'f1', importLimitW: 30_000, exportLimitW: 40_000 },
    { zone: 'f2', importLimitW: 5_000, exportLimitW: 5_000 },
  ]);
  expect(grid.current().sensors).toBe(fileModel.sensors);
  expect(limitsOf(zones).map((l) => l.zone)).toEqual(['f1', 'f2']);
});

it("keeps the file's limits without a model on the ledger, and the last good model when a read fails", async () => {
  let answer: () => Promise<ReturnType<typeof zone>[] | undefined> = async () => undefined;
  const errors: string[] = [];
  const grid = ledgerGridModel(
    () => answer(),
    file,
    60_000,
    (e) => errors.push(e.message),
  );
  await grid.refresh();
  expect(grid.current()).toBe(fileModel);
  answer = async () => [zone('root', null, 0, 0), zone('f1', 'root', 7, 7)];
  await grid.refresh();
  expect(grid.current().limits).toEqual([{ zone: 'f1', importLimitW: 7, exportLimitW: 7 }]);
  answer = async () => {
    throw new Error('peer down');
  };
  await grid.refresh();
  grid.stop();
  expect(grid.current().limits).toEqual([{ zone: 'f1', importLimitW: 7, exportLimitW: 7 }]);
  expect(errors).toEqual(['peer down']);
});
