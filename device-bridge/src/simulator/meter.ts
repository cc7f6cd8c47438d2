/**
 * The meter as the code around it sees it, simulated or real: a meter measures an interval and
 * signs its reading with its own key (`Meter`), and a reading leaves the meter the one way a real
 * meter sends it (`MeterLink`): JSON on its readings topic, QoS 1, over its own broker connection.
 * The bridge subscribes to that topic and cannot tell a simulated meter from a real one; an agent
 * reads the ledger's receipts and positions, never the meter object. So the simulator, `npm run
 * simulate` and a real installation share every line after the reading is signed.
 */
import type { KeyObject } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { formatInstant, type SignedReading } from '@gridledger/core';
import { readingsTopic } from '../topics';
import { signReading } from './keys';
import type { MeterState } from './model';

export interface Meter {
  readonly meterId: string;
  /** Measures the interval starting at `intervalStart` (epoch s): the signed reading, its registers advanced. */
  read(intervalStart: number): SignedReading;
}

export interface MeterLink {
  /** Resolves once the broker has acknowledged the reading (QoS 1). */
  publish(reading: SignedReading): Promise<void>;
}

/** A real meter's way out: its reading as JSON on `gridledger/v1/<community>/meters/<meterId>/readings`. */
export function mqttMeterLink(client: Pick<MqttClient, 'publishAsync'>, communityId: string): MeterLink {
  return {
    publish: async (reading) => {
      await client.publishAsync(readingsTopic(communityId, reading.meterId), JSON.stringify(reading), { qos: 1 });
    },
  };
}

/** The net flows a simulated meter measures in one interval. */
export type Measure = (intervalStart: number) => { importWh: number; exportWh: number };

/**
 * A simulated bidirectional meter: what `measure` says flowed in the interval, its registers
 * grown by exactly that, seq by one, signed with its key. `state()` is what to save to resume.
 */
export function simulatedMeter(meterId: string, key: KeyObject, measure: Measure, initial: MeterState): Meter & { state(): MeterState } {
  let state = { ...initial };
  return {
    meterId,
    state: () => ({ ...state }),
    read(intervalStart) {
      const { importWh, exportWh } = measure(intervalStart);
      state = {
        seq: state.seq + 1,
        importRegisterWh: state.importRegisterWh + importWh,
        exportRegisterWh: state.exportRegisterWh + exportWh,
      };
      const reading = { meterId, intervalStart: formatInstant(intervalStart), seq: state.seq, importWh, exportWh, ...registersOf(state) };
      return signReading(reading, key);
    },
  };
}

const registersOf = (s: MeterState) => ({ importRegisterWh: s.importRegisterWh, exportRegisterWh: s.exportRegisterWh });
