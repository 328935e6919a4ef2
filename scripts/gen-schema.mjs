// Writes schema/inspect-report.v1.json from the zod schema (src/report/model.ts), via the build
// (`npm run gen-schema` builds first). test/report/schema.test.ts fails while the shipped file differs.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspectReportJsonSchema, SCHEMA_FILE } from '../dist/report/json-schema.js';

writeFileSync(fileURLToPath(SCHEMA_FILE), inspectReportJsonSchema());
process.stdout.write(`wrote ${fileURLToPath(SCHEMA_FILE)}\n`);
