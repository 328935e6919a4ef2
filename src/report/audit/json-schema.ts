/** The JSON Schema of the audit report, derived from the zod schema (never written by hand). */
import { z } from 'zod';
import { AUDIT_SCHEMA_ID, auditReportSchema } from './model.js';

/** Where the shipped copy lives (the package ships schema/). */
export const AUDIT_SCHEMA_FILE = new URL('../../../schema/audit-report.v1.json', import.meta.url);

export function auditReportJsonSchema(): string {
  const schema = z.toJSONSchema(auditReportSchema, { target: 'draft-2020-12', io: 'output' });
  const doc = { ...schema, $id: 'urn:airlock:audit:1', title: `Airlock audit report (${AUDIT_SCHEMA_ID})` };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
