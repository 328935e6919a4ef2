/**
 * A chunk-fed capture reader: push bytes of any size, pull packets and warnings. pcap or pcapng
 * is told by the magic. Memory is what the caller pushed ahead plus the largest block (capped by
 * NET_LIMITS.maxCaptureBlockBytes); drain with next() until it says 'need', then push again.
 */
import { AirlockError, truncated } from '../../core/errors.js';
import { u32be } from '../decode/bytes.js';
import { PcapFormat } from './pcap.js';
import { isPcapMagic } from './pcap-layout.js';
import { PcapngFormat } from './pcapng.js';
import { BLOCK } from './pcapng-layout.js';
import { ByteQueue } from './queue.js';
import type { CaptureEvent, CaptureFormat } from './types.js';

export class CaptureReader {
  private readonly q = new ByteQueue();
  private ended = false;
  private fmt: PcapFormat | PcapngFormat | undefined;
  private final: CaptureEvent | undefined;

  push(chunk: Uint8Array): void {
    if (this.ended) throw new AirlockError('AIRLOCK_ERR_USAGE', 'push after end()');
    this.q.push(chunk);
  }

  /** No more bytes will come: what is left is read to the end (or reported as truncated). */
  end(): void {
    this.ended = true;
  }

  /** 'pcap' or 'pcapng' once the magic has been read. */
  get format(): CaptureFormat['name'] | undefined {
    return this.fmt?.name;
  }

  /** The format walker (PcapFormat.header, PcapngFormat.interfaces/sections). */
  get walker(): PcapFormat | PcapngFormat | undefined {
    return this.fmt;
  }

  get blockCounts(): Readonly<Record<string, number>> {
    return this.fmt?.blockCounts ?? {};
  }

  /** Bytes read so far (the offset of the next record). */
  get position(): number {
    return this.q.position;
  }

  next(): CaptureEvent {
    if (this.final) return this.final;
    if (!this.fmt) {
      const magic = this.q.peek(4);
      if (!magic) {
        if (!this.ended) return { kind: 'need' };
        return this.stop({
          kind: 'error',
          error:
            this.q.length === 0
              ? new AirlockError('AIRLOCK_ERR_EMPTY', 'the capture holds no data', 0)
              : truncated('capture magic', 0),
        });
      }
      if (isPcapMagic(magic)) this.fmt = new PcapFormat(this.q);
      else if (u32be(magic, 0) === BLOCK.SHB) this.fmt = new PcapngFormat(this.q);
      else
        return this.stop({
          kind: 'error',
          error: new AirlockError('AIRLOCK_ERR_UNSUPPORTED', 'not a pcap or pcapng capture', 0),
        });
    }
    const e = this.fmt.step(this.ended);
    return e.kind === 'end' || e.kind === 'error' ? this.stop(e) : e;
  }

  private stop(e: CaptureEvent): CaptureEvent {
    this.final = e;
    return e;
  }
}
