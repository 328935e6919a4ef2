/** An AirlockError as one line for stderr, without naming the file twice (policy messages carry file:line:column). */
import type { AirlockError } from '../core/errors.js';

export function describeError(err: AirlockError): string {
  return err.file && err.message.startsWith(err.file) ? `${err.message} (${err.code})` : err.describe();
}
