/**
 * Flight records: the corpus has none, so seeds come from the flightlog writer (v12 with plain
 * details, v14 with an auxiliary block and an opaque body). Mutations are structure-aware
 * (record-layout.ts): typed values edited in place, the version switched (with the detail offset
 * made to fit, half the time), auxiliary blocks resized or added with lengths kept true, so most
 * cases get past the framing into the details and block decoding.
 */
import { flightRecordAnalyser, writeFlightRecord } from '../../src/media/flightlog/index.js';
import { fuzz, type Seed } from './harness.js';
import { flightRecordLayout } from './record-layout.js';

const body = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);
const seed = (name: string, bytes: Uint8Array): Seed => ({ name, bytes, layout: flightRecordLayout(bytes) });

const seeds: Seed[] = [
  seed(
    'DJIFlightRecord_v12.txt',
    writeFlightRecord({
      version: 12,
      details: {
        subStreet: 'Bahnhofstrasse',
        city: 'Zermatt',
        startTime: Date.UTC(2024, 5, 1, 9, 30),
        latitude: 46.02,
        longitude: 7.75,
        momentPicLatitude0: (46.021 * Math.PI) / 180,
        momentPicLongitude0: (7.751 * Math.PI) / 180,
        maxHeight: 118.5,
        aircraftName: 'Mavic 3',
        aircraftSn: '0K8TFBK0020618',
        cameraSn: 'CAM123',
        recordLineCount: 3,
      },
      records: body(600),
    }),
  ),
  seed('DJIFlightRecord_v14.txt', writeFlightRecord({ version: 14, auxInfo: body(120), records: body(800) })),
];

fuzz('flight-record', flightRecordAnalyser, seeds, 'record');
