/** Outputs are written to a temporary name and renamed (DESIGN.md): never a half-written report. */
import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';

const tempOf = (path: string): string => `${path}.airlock-${process.pid}.tmp`;

export function writeFileAtomic(path: string, data: string): void {
  const tmp = tempOf(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Text written a piece at a time as it is made (bounded memory), under its final name once done. */
export class AtomicTextFile {
  private readonly tmp: string;
  private fd: number | undefined;
  private buffered: string[] = [];
  private size = 0;

  constructor(private readonly path: string) {
    this.tmp = tempOf(path);
    this.fd = openSync(this.tmp, 'w');
  }

  write(text: string): void {
    this.buffered.push(text);
    this.size += text.length;
    // A write per 64 KiB or so, not per line.
    if (this.size >= 65_536) this.flush();
  }

  /** Everything written goes under the final name. */
  commit(): void {
    this.flush();
    closeSync(this.fd!);
    this.fd = undefined;
    renameSync(this.tmp, this.path);
  }

  /** Nothing is left: the temporary file is removed (after a failure). */
  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tmp, { force: true });
  }

  private flush(): void {
    if (this.size === 0) return;
    writeSync(this.fd!, this.buffered.join(''));
    this.buffered = [];
    this.size = 0;
  }
}
