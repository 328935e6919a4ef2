/**
 * The log writer's thread (log-thread.ts starts it): its own connection to the store appends
 * each batch it is sent as one transaction. SQLite's automatic WAL checkpoints run on the
 * connection that commits, so they run here too, not on the gateway's event loop; for PostgreSQL
 * the MACs and the driver's encoding (≈ 27 µs a row measured) are kept off it the same way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AirlockError } from '../core/errors.js';
import { decodeRows, type ThreadReply, type ThreadRequest, type WorkerData } from './log-wire.js';
import { SqliteStore } from './sqlite.js';
import type { ChainHead, LogText } from './types.js';

/** What this thread needs of either store. */
interface TextStore {
  appendLogTexts(texts: readonly LogText[], opts: { after?: ChainHead }): Promise<ChainHead | undefined>;
  close(): Promise<void>;
}

const data = workerData as WorkerData;
const port = parentPort!;
let store: TextStore | undefined;

async function open(): Promise<TextStore> {
  if (!data.postgres) return new SqliteStore(data.path, { hmacKey: data.key });
  // The schema exists: the gateway's own connection made and migrated it before starting this thread.
  const { PostgresStore } = await import('./postgres.js');
  return PostgresStore.open(data.postgres.url, { hmacKey: data.key, schema: data.postgres.schema });
}

/**
 * One message at a time, in the order sent (log-thread.ts relies on it: `close` after the batches
 * in flight). A PostgreSQL append waits on the server, so without this queue the next message
 * would start before the last one ended.
 */
let turn: Promise<void> = Promise.resolve();
port.on('message', (m: ThreadRequest) => {
  turn = turn.then(() => handle(m));
});

async function handle(m: ThreadRequest): Promise<void> {
  if (m.type === 'close') {
    await store?.close();
    store = undefined;
    port.close();
    return;
  }
  let reply: ThreadReply;
  try {
    store ??= await open();
    const head = await store.appendLogTexts(decodeRows(m.rows), m.after ? { after: m.after } : {});
    reply = { id: m.id, ...(head ? { head } : {}) };
  } catch (e) {
    const err = e instanceof AirlockError ? e : undefined;
    const file = err?.file ?? data.path;
    reply = { id: m.id, error: { code: err?.code ?? 'AIRLOCK_ERR_IO', message: (e as Error).message, file } };
  }
  port.postMessage(reply);
}
