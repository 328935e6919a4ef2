/**
 * Walks a pcapng capture held in a ByteQueue, block by block. Each SHB opens a section with its
 * own byte order and interface table. A block whose framing is damaged is skipped by resyncing
 * to the next well-framed block; a block whose body is damaged is skipped by its length.
 */
import { AirlockError } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import { u32 } from '../decode/bytes.js';
import { NET_LIMITS } from '../limits.js';
import {
  BLOCK,
  BLOCK_OVERHEAD,
  blockName,
  checkFraming,
  type InterfaceDescription,
  type PacketBlock,
  readEpb,
  readIdb,
  readIsb,
  readNrb,
  readPb,
  readShb,
  readSpb,
  shbByteOrder,
  unitsToNs,
} from './pcapng-layout.js';
import type { ByteQueue } from './queue.js';
import { findResync } from './resync.js';
import type { CapturedPacket, CaptureEvent, CaptureFormat } from './types.js';

const NEED: CaptureEvent = { kind: 'need' };
const END: CaptureEvent = { kind: 'end' };

interface Section {
  readonly le: boolean;
  readonly interfaces: InterfaceDescription[];
}

export class PcapngFormat implements CaptureFormat {
  readonly name = 'pcapng';
  readonly blockCounts: Record<string, number> = {};
  sections = 0;
  private section: Section | undefined;

  constructor(private readonly q: ByteQueue) {}

  /** The current section's interfaces (index = interface id). */
  get interfaces(): readonly InterfaceDescription[] {
    return this.section?.interfaces ?? [];
  }

  step(ended: boolean): CaptureEvent {
    const q = this.q;
    for (;;) {
      if (q.length === 0) return ended ? END : NEED;
      const start = q.position;
      const head = q.peek(BLOCK_OVERHEAD);
      if (!head) return ended ? this.resync(ended, start, 'block header runs past the end') : NEED;
      let le = this.section?.le ?? true;
      const type0 = u32(head, 0, true);
      if (type0 === BLOCK.SHB) {
        const order = shbByteOrder(head);
        if (order === undefined) return this.resync(ended, start, 'section header byte-order magic');
        le = order;
      } else if (!this.section) {
        return {
          kind: 'error',
          error: new AirlockError('AIRLOCK_ERR_MALFORMED', 'pcapng block before any SHB', start),
        };
      }
      const type = u32(head, 0, le);
      const len = u32(head, 4, le);
      if (len < BLOCK_OVERHEAD || len % 4 !== 0 || len > NET_LIMITS.maxCaptureBlockBytes) {
        return this.resync(ended, start, `block length ${len}`);
      }
      const blk = q.peek(len);
      if (!blk) return ended ? this.resync(ended, start, `block of ${len} bytes runs past the end`) : NEED;
      if (u32(blk, len - 4, le) !== len) return this.resync(ended, start, 'trailer length differs');
      q.skip(len);
      const name = blockName(type) ?? 'unknown';
      this.blockCounts[name] = (this.blockCounts[name] ?? 0) + 1;
      const event = this.block(type, blk, le, start);
      if (event) return event;
    }
  }

  /** Reads one well-framed block; returns an event to hand out, or undefined to go on. */
  private block(type: number, blk: Uint8Array, le: boolean, start: number): CaptureEvent | undefined {
    try {
      checkFraming(blk, le);
      switch (type) {
        case BLOCK.SHB: {
          const { problem } = readShb(blk, le);
          this.section = { le, interfaces: [] };
          this.sections++;
          return problem ? this.damaged(start, problem) : undefined;
        }
        case BLOCK.IDB: {
          const { idb, problem } = readIdb(blk, le);
          const s = this.section!;
          bound(s.interfaces.length + 1, NET_LIMITS.maxInterfaces, 'pcapng interfaces in one section', start);
          s.interfaces.push(idb);
          return problem ? this.damaged(start, problem) : undefined;
        }
        case BLOCK.EPB:
          return this.packet(readEpb(blk, le), blk, start, 'EPB');
        case BLOCK.PB:
          return this.packet(readPb(blk, le), blk, start, 'PB');
        case BLOCK.SPB: {
          const iface = this.section!.interfaces[0];
          if (!iface)
            return this.warn('unknown-interface', start, 'SPB in a section with no interface', true);
          return this.packet(readSpb(blk, le, iface.snapLen), blk, start, 'SPB');
        }
        case BLOCK.ISB:
          readIsb(blk, le);
          return undefined;
        case BLOCK.NRB:
          readNrb(blk, le);
          return undefined;
        default:
          // DSB, CB, DCB and unknown types: counted, skipped by their length.
          return undefined;
      }
    } catch (e) {
      // The block is not read at all: a packet (or the section or interface packets need) is lost.
      if (e instanceof AirlockError) return this.damaged(start, e, true);
      throw e;
    }
  }

  private packet(
    p: PacketBlock,
    blk: Uint8Array,
    start: number,
    record: CapturedPacket['record'],
  ): CaptureEvent {
    const iface = this.section!.interfaces[p.interfaceId];
    if (!iface)
      return this.warn('unknown-interface', start, `${record} names interface ${p.interfaceId}`, true);
    bound(p.capLen, NET_LIMITS.maxPacketBytes, 'captured packet length', start + 20);
    // A damaged option after the data does not spoil the packet; it is still reported by tests via counts.
    return {
      kind: 'packet',
      packet: {
        ts: unitsToNs(p.units, iface),
        interfaceId: p.interfaceId,
        linkType: iface.linkType,
        capturedLength: p.capLen,
        originalLength: p.origLen,
        data: blk.subarray(p.dataStart, p.dataStart + p.capLen),
        recordOffset: start,
        dataOffset: start + p.dataStart,
        record,
      },
    };
  }

  /** `lost`: the block was skipped; else only its options were damaged and it was read. */
  private damaged(start: number, e: Error, lost = false): CaptureEvent {
    const rel = e instanceof AirlockError && e.offset !== undefined ? e.offset : 0;
    return this.warn('damaged-block', start + rel, `block at ${start}: ${e.message}`, lost);
  }

  private warn(name: string, offset: number, detail: string, lost = false): CaptureEvent {
    return { kind: 'warning', warning: lost ? { name, offset, detail, lost } : { name, offset, detail } };
  }

  /** A well-framed block at buf[p]: known type, sane length, trailer equal to it. */
  private framed(buf: Uint8Array, p: number): boolean {
    if (p + BLOCK_OVERHEAD > buf.length) return false;
    let le = this.section?.le ?? true;
    if (u32(buf, p, true) === BLOCK.SHB) {
      const order = shbByteOrder(buf, p);
      if (order === undefined) return false;
      le = order;
    }
    if (blockName(u32(buf, p, le)) === undefined) return false;
    const len = u32(buf, p + 4, le);
    if (len < BLOCK_OVERHEAD || len % 4 !== 0 || p + len > buf.length) return false;
    return u32(buf, p + len - 4, le) === len;
  }

  private resync(ended: boolean, start: number, why: string): CaptureEvent {
    const found = findResync(this.q, ended, 4, (buf, p) => this.framed(buf, p));
    if (found.kind === 'need') return NEED;
    if (found.kind === 'none') {
      if (ended && this.q.length < NET_LIMITS.resyncWindowBytes) {
        const left = this.q.length;
        this.q.skip(left);
        return this.warn(
          'truncated-tail',
          start,
          `capture ends inside a block (${why}; ${left} bytes)`,
          true,
        );
      }
      return {
        kind: 'error',
        error: new AirlockError('AIRLOCK_ERR_MALFORMED', `pcapng block damaged (${why})`, start),
      };
    }
    this.q.skip(found.skip);
    return this.warn('resync', start, `damaged block (${why}); skipped ${found.skip} bytes`, true);
  }
}
