/**
 * Errors from one catalogue with stable codes (undici's UND_ERR_*, fastify's FST_ERR_*).
 * Errors are values with context: the file and the offset travel with the code.
 */
export const ERROR_CODES = {
  AIRLOCK_ERR_TRUNCATED: 'the data ends before a structure it declares',
  AIRLOCK_ERR_MALFORMED: 'a structure is not what its format says it must be',
  AIRLOCK_ERR_LIMIT: 'a length, count or depth exceeds a safety limit',
  AIRLOCK_ERR_UNSUPPORTED: 'a format or variant Airlock does not read',
  AIRLOCK_ERR_IO: 'the file could not be read',
  AIRLOCK_ERR_EMPTY: 'the file holds no data',
  AIRLOCK_ERR_POLICY: 'the policy file is invalid',
  AIRLOCK_ERR_USAGE: 'the command line is invalid',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class AirlockError extends Error {
  override readonly name = 'AirlockError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Byte offset in the file where the problem lies, when there is one. */
    readonly offset?: number,
    /** The file, filled in by whoever knows it (analysers work on bytes, not paths). */
    public file?: string,
  ) {
    super(message);
  }

  /**
   * 'file.jpg: offset 1234: message (CODE)' — what a user sees; `withFile: false` where the line
   * already names the file.
   */
  describe(withFile = true): string {
    const where = [
      withFile ? this.file : undefined,
      this.offset !== undefined ? `offset ${this.offset}` : undefined,
    ]
      .filter((s) => s !== undefined)
      .join(': ');
    return `${where ? `${where}: ` : ''}${this.message} (${this.code})`;
  }
}

export const truncated = (what: string, offset: number): AirlockError =>
  new AirlockError('AIRLOCK_ERR_TRUNCATED', `${what}: data ends early`, offset);
export const malformed = (what: string, offset: number): AirlockError =>
  new AirlockError('AIRLOCK_ERR_MALFORMED', what, offset);

/** Turn anything thrown into an AirlockError naming the file; unknown bugs keep their message. */
export function asAirlockError(err: unknown, file?: string): AirlockError {
  if (err instanceof AirlockError) {
    if (file && !err.file) err.file = file;
    return err;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && e.syscall) {
    // Node's own text already starts with its code ('ENOENT: no such file…'): said once.
    const text = e.message.startsWith(`${e.code}:`) ? e.message : `${e.code}: ${e.message}`;
    return new AirlockError('AIRLOCK_ERR_IO', text, undefined, file);
  }
  return new AirlockError('AIRLOCK_ERR_MALFORMED', `unexpected: ${String(e?.message ?? e)}`, undefined, file);
}
