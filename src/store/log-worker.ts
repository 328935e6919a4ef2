/**
 * The SQLite log writer's thread (sqlite-log-thread.ts starts it): its own connection to the
 * database appends each batch it is sent as one transaction. SQLite's automatic WAL checkpoints
 * run on the connection that commits, so they run here too, not on the gateway's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AirlockError } from '../core/errors.js';
import { SqliteStore } from './sqlite.js';
import { decodeRows, type ThreadReply, type ThreadRequest, type WorkerData } from './sqlite-log-wire.js';

const data = workerData as WorkerData;
const port = parentPort!;
let store: SqliteStore | undefined;

port.on('message', async (m: ThreadRequest) => {
  if (m.type === 'close') {
    await store?.close();
    store = undefined;
    port.close();
    return;
  }
  let reply: ThreadReply;
  try {
    store ??= new SqliteStore(data.path, { hmacKey: data.key });
    const head = await store.appendLogTexts(decodeRows(m.rows), m.after ? { after: m.after } : {});
    reply = { id: m.id, ...(head ? { head } : {}) };
  } catch (e) {
    const err = e instanceof AirlockError ? e : undefined;
    const file = err?.file ?? data.path;
    reply = { id: m.id, error: { code: err?.code ?? 'AIRLOCK_ERR_IO', message: (e as Error).message, file } };
  }
  port.postMessage(reply);
});
