// Writes schema/inspect-report.v1.json, schema/audit-report.v1.json and schema/vet-report.v1.json
// from the zod schemas (src/report/model.ts, src/report/audit/model.ts, src/vet/model.ts), via the
// build (`npm run gen-schema` builds first). The schema tests fail while a shipped file differs.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AUDIT_SCHEMA_FILE, auditReportJsonSchema } from '../dist/report/audit/json-schema.js';
import { inspectReportJsonSchema, SCHEMA_FILE } from '../dist/report/json-schema.js';
import { VET_SCHEMA_FILE, vetRunJsonSchema } from '../dist/report/vet/json-schema.js';

for (const [file, text] of [
  [SCHEMA_FILE, inspectReportJsonSchema()],
  [AUDIT_SCHEMA_FILE, auditReportJsonSchema()],
  [VET_SCHEMA_FILE, vetRunJsonSchema()],
]) {
  writeFileSync(fileURLToPath(file), text);
  process.stdout.write(`wrote ${fileURLToPath(file)}\n`);
}
