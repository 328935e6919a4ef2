/**
 * The contract between one format folder (media/jpeg, media/srt, …) and the rest of Airlock
 * (music-metadata's loader record: an id, how to recognise it, how to read it).
 */
import { bound, LIMITS } from '../core/limits.js';
import type { ByteSource } from '../core/source.js';
import type { Finding, Warning } from '../findings/model.js';

/**
 * Where the findings of an analyser that only appends them go, as they are made (scrub's
 * verification of a long clean copy checks each and keeps none). `rewind`: every finding handed
 * over so far is withdrawn (the SRT reader walks again under another reading).
 */
export interface FindingSink {
  add(f: Finding): void;
  rewind(): void;
}

/** Collects findings and warnings as a parse goes, so a parse that fails half-way keeps what it found. */
export class Collector {
  /** Empty when the findings go to a sink. */
  readonly findings: Finding[] = [];
  readonly warnings: Warning[] = [];
  /** Format details worth showing (e.g. flight-record version, image size): name → value. */
  readonly facts: Record<string, string | number | boolean> = {};
  /** A finer format than the analyser's id once the content says so (e.g. 'dng' for a TIFF analyser). */
  format?: string;

  /** Findings handed to the sink. */
  private handed = 0;
  private names?: Map<string, string>;

  /** `sink`: only for an analyser that never reads its findings back (Analyser.appendsOnly). */
  constructor(private readonly sink?: FindingSink) {}

  /** How many findings were added (held, or handed to the sink). */
  get count(): number {
    return this.sink ? this.handed : this.findings.length;
  }

  /** Withdraws every finding after the first `n`; with a sink only all of them can be (n = 0). */
  rewind(n: number): void {
    if (!this.sink) {
      this.findings.length = n;
      return;
    }
    if (n !== 0) throw new Error('a sink takes back all of its findings or none');
    this.handed = 0;
    this.sink.rewind();
  }

  /**
   * One copy of a name a reader builds afresh per record ("latitude+longitude", the keys of an
   * SRT cue's other values): a long file repeats it in every finding. Bounded, so a file of
   * ever-new names costs no more than it did.
   */
  name(s: string): string {
    this.names ??= new Map();
    const had = this.names.get(s);
    if (had !== undefined) return had;
    if (this.names.size < 1024) this.names.set(s, s);
    return s;
  }

  add(f: Finding): void {
    // A file of a million tiny records must not take the process's memory with it.
    if (this.count >= LIMITS.maxFindings)
      bound(this.count + 1, LIMITS.maxFindings, 'findings in one file', f.ranges[0]?.offset);
    if (this.sink) {
      this.handed++;
      this.sink.add(f);
    } else this.findings.push(f);
  }
  warn(name: string, detail: string, offset?: number): void {
    this.warnings.push(offset === undefined ? { name, detail } : { name, detail, offset });
  }
}

export interface Analyser {
  /** Stable id, also the report's `format` field: 'jpeg', 'tiff', 'dng', 'xmp', 'srt', 'flightlog-csv'… */
  readonly id: string;
  /** Recognise by content: the first bytes of the file (up to 4 KiB) and its name. */
  detect(head: Uint8Array, name: string): boolean;
  /** Read every finding. Throws AirlockError on damage; whatever was collected before stays. */
  analyse(src: ByteSource, out: Collector): void;
  /**
   * True when `analyse` only adds findings (and may rewind them all), never reading them back:
   * its findings can go to a FindingSink as they are made.
   */
  readonly appendsOnly?: boolean;
}
