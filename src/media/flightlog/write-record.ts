/**
 * Builds small synthetic DJI flight records in the documented layout, for tests (the corpus has
 * no real one). v12: plain details after the prefix, records after; v14: auxiliary info and
 * version blocks, then an encrypted-looking record body.
 */
import { DETAILS, type FieldValue, PREFIX, PREFIX_SIZE, putField, V12_DETAILS_SIZE } from './layout.js';

export interface RecordSpec {
  version: 12 | 14;
  /** Details fields by name (see DETAILS in layout.ts); v12 only. */
  details?: Record<string, FieldValue>;
  /** v14: bytes of the (obfuscated) auxiliary info block. */
  auxInfo?: Uint8Array;
  /** v14: plain auxiliary version block. */
  auxVersion?: { version: number; department: number };
  records?: Uint8Array;
}

export function writeFlightRecord(spec: RecordSpec): Uint8Array {
  const records = spec.records ?? new Uint8Array(0);
  const parts: Uint8Array[] = [];
  const prefix = new Uint8Array(PREFIX_SIZE);
  parts.push(prefix);
  if (spec.version === 12) {
    const details = new Uint8Array(V12_DETAILS_SIZE);
    for (const [name, value] of Object.entries(spec.details ?? {})) {
      const f = DETAILS.find((d) => d.name === name);
      if (!f) throw new Error(`no details field ${name}`);
      putField(details, 0, f, value);
    }
    parts.push(details);
    putField(prefix, 0, PREFIX[0]!, PREFIX_SIZE + V12_DETAILS_SIZE + records.length);
    putField(prefix, 0, PREFIX[1]!, V12_DETAILS_SIZE);
  } else {
    const info = spec.auxInfo ?? new Uint8Array(0);
    const v = spec.auxVersion ?? { version: 1, department: 3 };
    parts.push(Uint8Array.of(0, info.length & 0xff, info.length >> 8), info);
    parts.push(Uint8Array.of(1, 3, 0, v.version & 0xff, v.version >> 8, v.department));
    const aux = 3 + info.length + 6;
    putField(prefix, 0, PREFIX[0]!, PREFIX_SIZE + aux);
    putField(prefix, 0, PREFIX[1]!, aux);
  }
  putField(prefix, 0, PREFIX[2]!, spec.version);
  parts.push(records);
  return Buffer.concat(parts);
}
