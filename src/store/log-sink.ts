/** A LogSink over any Store, on the caller's thread (tests, and a store with no thread of its own). */
import type { AppendOptions, ChainHead, LogRow, LogSink, Store } from './types.js';

export function storeSink(store: Pick<Store, 'appendLogs'>): LogSink {
  return {
    async appendBatch(rows: readonly LogRow[], opts?: AppendOptions): Promise<ChainHead | undefined> {
      const chained = await store.appendLogs(rows, opts);
      const last = chained[chained.length - 1];
      return last ? { seq: last.seq, mac: last.mac } : undefined;
    },
  };
}
