/** A LogSink over any Store, on the caller's thread (tests, and a store with no thread of its own). */
import type { AppendOptions, ChainHead, LogSink, LogText, Store } from './types.js';

export function storeSink(store: Pick<Store, 'appendLogTexts'>): LogSink {
  return {
    appendBatch(texts: readonly LogText[], opts?: AppendOptions): Promise<ChainHead | undefined> {
      return store.appendLogTexts(texts, opts);
    },
  };
}
