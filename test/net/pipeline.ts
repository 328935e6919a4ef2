/** Test helper: a capture file through reader → dissector → flow table, as audit will run it. */
import { readCaptureFile } from '../../src/net/capture/file.js';
import { CaptureReader } from '../../src/net/capture/reader.js';
import type { CapturedPacket } from '../../src/net/capture/types.js';
import type { NetWarning } from '../../src/net/decode/warning.js';
import { type Dissected, Dissector } from '../../src/net/flow/dissect.js';
import { observationOf } from '../../src/net/flow/observe.js';
import { FlowTable } from '../../src/net/flow/table.js';
import type { FlowRecord } from '../../src/net/flow/types.js';

export interface Run {
  packets: { packet: CapturedPacket; d: Dissected }[];
  warnings: NetWarning[];
  flows: FlowRecord[];
  reader: CaptureReader;
}

/** `skipFragments`: frames that are IP fragments are not counted (tshark attributes them elsewhere). */
export async function runCapture(path: string, skipFragments = true): Promise<Run> {
  const reader = new CaptureReader();
  const warnings: NetWarning[] = [];
  const dissector = new Dissector({}, (w) => warnings.push(w));
  const table = new FlowTable();
  const flows: FlowRecord[] = [];
  const packets: Run['packets'] = [];
  for await (const item of readCaptureFile(path, reader)) {
    if (item.kind === 'warning') {
      warnings.push(item.warning);
      continue;
    }
    const packet = { ...item.packet, data: item.packet.data.slice() };
    const d = dissector.dissect(packet);
    packets.push({ packet, d });
    if (skipFragments && d.ip?.fragment) continue;
    const o = observationOf(packet, d);
    if (o) flows.push(...table.observe(o));
  }
  flows.push(...table.flush());
  return { packets, warnings, flows, reader };
}

export type DirectedCounts = Map<string, { frames: number; bytes: number }>;

/** Per direction of each conversation: "tcp 10.0.0.1:1234 > 10.0.0.2:80" → frames and frame bytes. */
export function directedCounts(flows: FlowRecord[]): DirectedCounts {
  const m: DirectedCounts = new Map();
  const proto = (p: number) => (p === 6 ? 'tcp' : p === 17 ? 'udp' : String(p));
  for (const f of flows) {
    if (f.proto !== 6 && f.proto !== 17) continue;
    const add = (k: string, frames: number, bytes: number) => {
      if (frames === 0) return;
      const c = m.get(k) ?? { frames: 0, bytes: 0 };
      c.frames += frames;
      c.bytes += bytes;
      m.set(k, c);
    };
    add(
      `${proto(f.proto)} ${f.orig.h}:${f.orig.p} > ${f.resp.h}:${f.resp.p}`,
      f.origCounts.pkts,
      f.origCounts.frameBytes,
    );
    add(
      `${proto(f.proto)} ${f.resp.h}:${f.resp.p} > ${f.orig.h}:${f.orig.p}`,
      f.respCounts.pkts,
      f.respCounts.frameBytes,
    );
  }
  return m;
}
