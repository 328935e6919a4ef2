/**
 * Flight records: the corpus has none, so seeds come from the flightlog writer (v12 with plain
 * details, v14 with an auxiliary block and an opaque body), and the layout marks the prefix's
 * detail offset/length and the details' record count as the lengths to distrust.
 */
import { flightRecordAnalyser, writeFlightRecord } from '../../src/media/flightlog/index.js';
import { fuzz, type Seed } from './harness.js';
import type { Field } from './layout.js';

const le = (kind: Field['kind'], pos: number, size: 2 | 4): Field => ({
  kind,
  pos,
  size,
  littleEndian: true,
});
const PREFIX_FIELDS = [le('value-offset', 0, 4), le('segment-length', 8, 2)];
const body = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);

const seeds: Seed[] = [
  {
    name: 'DJIFlightRecord_v12.txt',
    bytes: writeFlightRecord({
      version: 12,
      details: {
        city: 'Zermatt',
        latitude: 46.02,
        longitude: 7.75,
        aircraftSn: '0K8TFBK0020618',
        cameraSn: 'CAM123',
        recordLineCount: 3,
      },
      records: body(600),
    }),
    layout: { fields: [...PREFIX_FIELDS, le('value-count', 100 + 83, 4)], xmp: [] },
  },
  {
    name: 'DJIFlightRecord_v14.txt',
    bytes: writeFlightRecord({ version: 14, auxInfo: body(120), records: body(800) }),
    layout: { fields: [...PREFIX_FIELDS, le('segment-length', 101, 2)], xmp: [] },
  },
];

fuzz('flight-record', flightRecordAnalyser, seeds, 'binary');
