/**
 * One QUIC connection's client Initial packets → its ClientHello. Datagrams are pushed as they
 * come (each may coalesce several packets); the Initial keys come from the Destination Connection
 * ID of the client's first Initial (RFC 9001 §5.2) and stay, even when the client moves to the
 * server's connection ID; after a Retry the new DCID's keys are tried too. The CRYPTO frames are
 * put in order across packets until the ClientHello is whole: post-quantum hellos span 2–3 packets.
 */
import { type AirlockError, malformed, truncated } from '../../../core/errors.js';
import { bound } from '../../../core/limits.js';
import { type Decoded, decodeWith } from '../../decode/outcome.js';
import { APP_LIMITS } from '../limits.js';
import { type ClientHello, readClientHelloMessage } from '../tls-client-hello.js';
import { CryptoStream, readFrames } from './crypto-frames.js';
import { type LongHeader, openInitial, readLongHeader } from './initial.js';
import { initialKeys, type PacketKeys } from './initial-keys.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class QuicInitialAssembler {
  private readonly crypto = new CryptoStream();
  private readonly keys = new Map<string, PacketKeys>();
  private firstDcid: Uint8Array | undefined;
  private largestPn = -1;
  private decided: Decoded<ClientHello> | undefined;
  /** Client Initial packets that decrypted. */
  initialPackets = 0;
  /** Of those, the ones that carried CRYPTO data. */
  cryptoPackets = 0;
  /** The QUIC version of the first Initial. */
  version: number | undefined;
  /** A CONNECTION_CLOSE seen in an Initial (a refused handshake). */
  closed: { errorCode: number; reason: string } | undefined;
  /** Packets that could not be opened (server packets pushed by mistake, damage), with why. */
  readonly rejected: AirlockError[] = [];

  /** The DCID of the client's first Initial: the connection's key. */
  get dcid(): Uint8Array | undefined {
    return this.firstDcid;
  }

  /**
   * Feeds one UDP payload sent by the client. The outcome is the ClientHello once whole, 'need'
   * until then, and 'malformed' when the datagrams cannot carry one (not QUIC v1/v2, a hello that
   * breaks its own format, limits exceeded). Once decided, further pushes return the same outcome.
   */
  push(datagram: Uint8Array, base = 0): Decoded<ClientHello> {
    if (this.decided) return this.decided;
    const step = decodeWith(() => this.readDatagram(datagram, base));
    if (step.kind !== 'value') {
      // A damaged datagram after a good start is one lost datagram, not the connection's verdict.
      if (this.initialPackets === 0 || step.error.code === 'AIRLOCK_ERR_LIMIT') {
        this.decided = step;
        return step;
      }
      this.rejected.push(step.error);
    }
    return this.outcome();
  }

  private outcome(): Decoded<ClientHello> {
    const bytes = this.crypto.contiguous;
    if (bytes.length === 0) return { kind: 'need', error: truncated('QUIC CRYPTO stream', 0) };
    const d = readClientHelloMessage(bytes, 0);
    if (d.kind !== 'need') this.decided = d;
    return d;
  }

  private readDatagram(d: Uint8Array, base: number): void {
    let at = 0;
    let opened = 0;
    for (let n = 0; at < d.length; n++) {
      bound(n, APP_LIMITS.maxCoalescedPackets - 1, 'coalesced QUIC packets', base + at);
      // Short headers (and padding after the last long packet) run to the datagram's end.
      if ((d[at]! & 0x80) === 0) break;
      const h = readLongHeader(d, at, base);
      if (h.type === 'version-negotiation' || h.type === 'unknown-version' || h.type === 'retry') {
        if (this.initialPackets === 0 && n === 0)
          throw malformed(`QUIC ${h.type} packet (version 0x${h.version.toString(16)}), no Initial`, base);
        break;
      }
      if (h.type === 'initial') {
        this.readInitial(d, h, base);
        opened++;
      }
      at = h.end;
    }
    if (opened === 0 && this.initialPackets === 0)
      throw malformed('datagram carries no client Initial', base);
  }

  private keysFor(version: number, dcid: Uint8Array): PacketKeys {
    const k = `${version}/${hex(dcid)}`;
    let keys = this.keys.get(k);
    if (!keys) {
      if (this.keys.size >= 4) this.keys.delete(this.keys.keys().next().value!);
      keys = initialKeys(version, dcid, 'client')!;
      this.keys.set(k, keys);
    }
    return keys;
  }

  private readInitial(d: Uint8Array, h: LongHeader, base: number): void {
    if (this.firstDcid === undefined) {
      this.firstDcid = h.dcid.slice();
      this.version = h.version;
    }
    bound(this.initialPackets + 1, APP_LIMITS.maxQuicInitialPackets, 'QUIC Initial packets', base + h.at);
    const tryOpen = (dcid: Uint8Array) =>
      decodeWith(() => openInitial(d, h, this.keysFor(h.version, dcid), this.largestPn, base));
    let p = tryOpen(this.firstDcid);
    if (p.kind !== 'value' && hex(h.dcid) !== hex(this.firstDcid)) p = tryOpen(h.dcid);
    if (p.kind !== 'value') throw p.error;
    this.initialPackets++;
    this.largestPn = Math.max(this.largestPn, p.value.pn);
    const payloadAt = base + h.pnOffset! + (p.value.header.length - (h.pnOffset! - h.at));
    let carried = false;
    for (const f of readFrames(p.value.payload, payloadAt)) {
      if (f.type === 'crypto') {
        this.crypto.add(f.offset, f.data, payloadAt);
        carried = true;
      } else if (f.type === 'connection-close') this.closed = { errorCode: f.errorCode, reason: f.reason };
    }
    if (carried) this.cryptoPackets++;
  }
}
