/** The JSON Schema of the inspect report, derived from the zod schema (never written by hand). */
import { z } from 'zod';
import { INSPECT_SCHEMA_ID, inspectReportSchema } from './model.js';

/** Where the shipped copy lives (the package ships schema/). */
export const SCHEMA_FILE = new URL('../../schema/inspect-report.v1.json', import.meta.url);

export function inspectReportJsonSchema(): string {
  const schema = z.toJSONSchema(inspectReportSchema, { target: 'draft-2020-12', io: 'output' });
  const doc = {
    ...schema,
    $id: 'urn:airlock:inspect:1',
    title: `Airlock inspect report (${INSPECT_SCHEMA_ID})`,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
