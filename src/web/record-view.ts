/** The gateway's opened record as the dashboard reads it: the store, its anchor, and `log verify`'s check. */
import { readAnchor } from '../gateway/record/anchor.js';
import { type OpenRecord, verifyRecord } from '../gateway/record/open.js';
import { verificationText } from '../gateway/record/verify-text.js';
import type { RecordView } from './routes.js';

export const recordView = (rec: OpenRecord): RecordView => ({
  store: rec.store,
  storePath: rec.store.path,
  readAnchor: () => readAnchor(rec.paths.anchor),
  verify: async () => verificationText(await verifyRecord(rec), rec.paths.anchor),
});
