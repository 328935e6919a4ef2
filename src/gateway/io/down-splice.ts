/**
 * A tunnel's download moved by the kernel (splice, src/native/relay.c) instead of through
 * JavaScript (a 1 GiB download: 0.15 gateway CPU-seconds instead of 0.6-0.8). Only
 * tunnels that have carried SPLICE_AFTER_BYTES get a relay (and its pipe): the thousands of idle
 * or chatty tunnels a gateway holds never do; MAX_SPLICED bounds the pipes held at once.
 */
import type { Socket } from 'node:net';
import { type NativeRelay, nativeRelay, type RelayHandle } from '../../native/relay.js';

/** Downstream bytes a tunnel carries through JS before it is worth a pipe of its own. */
export const SPLICE_AFTER_BYTES = 256 * 1024;
/** Relays running at once (each holds a pipe of up to 1 MiB and two descriptors). */
export const MAX_SPLICED = 1024;

/** The relays of a process: one budget of pipes for every listener. */
export class SpliceRegistry {
  private readonly live = new Set<DownSplice>();
  /** Bytes moved by relays already stopped. */
  private endedBytes = 0;

  constructor(readonly max = MAX_SPLICED) {}

  get active(): number {
    return this.live.size;
  }

  /** Bytes moved by splice so far (stopped and running relays). */
  get bytes(): number {
    let n = this.endedBytes;
    for (const d of this.live) n += d.moved();
    return n;
  }

  /** A relay from `from` to `to`, or undefined (no addon, splicing off, at the limit, no fds). */
  start(
    from: Socket,
    to: Socket,
    onEvent: (errno?: number) => void,
    onStop: () => void,
  ): DownSplice | undefined {
    const relay = nativeRelay();
    if (!relay || this.live.size >= this.max) return undefined;
    const fromFd = fdOf(from);
    const toFd = fdOf(to);
    if (fromFd === undefined || toFd === undefined) return undefined;
    let handle: RelayHandle;
    try {
      handle = relay.start(fromFd, toFd, (kind, errno) => onEvent(kind === 'error' ? errno : undefined));
    } catch {
      // Out of descriptors or pipes: this tunnel stays on the JS path.
      return undefined;
    }
    const d = new DownSplice(relay, handle, onStop, (d) => {
      this.live.delete(d);
      this.endedBytes += d.moved();
    });
    this.live.add(d);
    return d;
  }

  /** Whether a new relay could start now (checked before pausing a tunnel for the hand-over). */
  get available(): boolean {
    return this.live.size < this.max && nativeRelay() !== undefined;
  }
}

/** The process's relays (pipes and descriptors are per-process resources). */
export const PROCESS_SPLICES = new SpliceRegistry();

export class DownSplice {
  private counted = 0;
  private stopped = false;

  constructor(
    private readonly relay: NativeRelay,
    private readonly handle: RelayHandle,
    /** Runs before the relay stops: the owner takes the last count. */
    private readonly onStop: () => void,
    private readonly onStopped: (d: DownSplice) => void,
  ) {}

  moved(): number {
    return this.stopped ? this.counted : this.relay.moved(this.handle);
  }

  /** Bytes moved since the last call. */
  take(): number {
    if (this.stopped) return 0;
    const m = this.relay.moved(this.handle);
    const d = m - this.counted;
    this.counted = m;
    return d;
  }

  /** Idempotent; call before either socket is ended or destroyed. */
  stop(): void {
    if (this.stopped) return;
    this.onStop();
    this.take();
    this.stopped = true;
    this.relay.stop(this.handle);
    this.onStopped(this);
  }
}

/** The socket's descriptor (libuv's TCP handle), when it has one. */
function fdOf(s: Socket): number | undefined {
  const fd = (s as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}
