/** The inspect report's schema name, alone so that writing a report need not load zod (model.ts). */
export const INSPECT_SCHEMA_ID = 'airlock.inspect/1';
