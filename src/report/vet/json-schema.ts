/** The JSON Schema of `airlock vet --json`, derived from the zod schema (never written by hand). */
import { z } from 'zod';
import { VET_RUN_SCHEMA_ID, vetRunSchema } from '../../vet/model.js';

/** Where the shipped copy lives (the package ships schema/). */
export const VET_SCHEMA_FILE = new URL('../../../schema/vet-report.v1.json', import.meta.url);

export function vetRunJsonSchema(): string {
  const schema = z.toJSONSchema(vetRunSchema, { target: 'draft-2020-12', io: 'output' });
  const doc = { ...schema, $id: 'urn:airlock:vet:1', title: `Airlock vet report (${VET_RUN_SCHEMA_ID})` };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
