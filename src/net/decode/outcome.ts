/**
 * The three outcomes of a decoder fed bytes (mitmproxy's parse_client_hello): a value, "the bytes
 * end before the structure does", or a malformed-input error. They are never confused: a frame
 * cut by the snap length is `need`, a header that contradicts itself is `malformed`.
 */
import { AirlockError } from '../../core/errors.js';

export type Decoded<T> =
  | { readonly kind: 'value'; readonly value: T }
  /** The input ends before the structure it declares; `error.offset` says where. */
  | { readonly kind: 'need'; readonly error: AirlockError }
  /** The input is not what the format says it must be (or breaks a limit: code AIRLOCK_ERR_LIMIT). */
  | { readonly kind: 'malformed'; readonly error: AirlockError };

/**
 * Runs a decoder written in the throwing style (truncated()/malformed()/bound()) and returns its
 * outcome as a value. Anything that is not an AirlockError is a bug and propagates.
 */
export function decodeWith<T>(run: () => T): Decoded<T> {
  try {
    return { kind: 'value', value: run() };
  } catch (e) {
    if (!(e instanceof AirlockError)) throw e;
    return e.code === 'AIRLOCK_ERR_TRUNCATED' ? { kind: 'need', error: e } : { kind: 'malformed', error: e };
  }
}

/**
 * A 'need' whose error is built only when read: a head trickled in one byte at a time is answered
 * 'need' once per byte, and an Error (with its stack) per answer is most of that answer's cost.
 * A class, not an object literal with a getter: V8 makes each of those a slow dictionary object.
 */
class NeedLater {
  readonly kind = 'need';
  readonly #make: () => AirlockError;
  #error: AirlockError | undefined;

  constructor(make: () => AirlockError) {
    this.#make = make;
  }

  get error(): AirlockError {
    this.#error ??= this.#make();
    return this.#error;
  }
}

export const needLater = <T>(make: () => AirlockError): Decoded<T> => new NeedLater(make);
