/** The AirlockError a call throws; any other error is rethrown, and a value fails the test. */
import { AirlockError } from '../../src/core/errors.js';

export function thrown(f: () => unknown): AirlockError {
  try {
    f();
  } catch (e) {
    if (e instanceof AirlockError) return e;
    throw e;
  }
  throw new Error('expected an AirlockError, got a value');
}
