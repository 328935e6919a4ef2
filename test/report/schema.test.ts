/**
 * The shipped JSON Schema is exactly what the zod model generates, and real reports (from the
 * built CLI on the corpus) validate against the shipped file with an independent validator (ajv).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { inspectReportJsonSchema, SCHEMA_FILE } from '../../src/report/json-schema.js';
import { airlock } from '../cli/built.js';
import { CORPUS, corpusFile } from '../helpers/corpus.js';

const shipped = readFileSync(fileURLToPath(SCHEMA_FILE), 'utf8');

describe('schema/inspect-report.v1.json', () => {
  it('equals the schema generated from src/report/model.ts (run `npm run gen-schema` after a change)', () => {
    expect(shipped).toBe(inspectReportJsonSchema());
  });

  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(shipped));

  it('accepts a real report over the whole corpus (every status, every finding kind)', () => {
    const r = airlock(['inspect', '--json', '--no-progress', CORPUS]);
    const report = JSON.parse(r.stdout);
    const ok = validate(report);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const statuses = new Set(report.files.map((f: { status: string }) => f.status));
    expect([...statuses].sort()).toEqual(expect.arrayContaining(['not-read', 'read']));
    const kinds = new Set(
      report.files.flatMap((f: { findings: { value: { kind: string } }[] }) =>
        f.findings.map((x) => x.value.kind),
      ),
    );
    expect([...kinds].sort()).toEqual(['block', 'number', 'position', 'text', 'time']);
  });

  it('rejects a report whose finding lacks a category (the schema is not vacuous)', () => {
    const r = airlock(['inspect', '--json', corpusFile('media/exiftool-GPS.jpg')]);
    const report = JSON.parse(r.stdout);
    expect(validate(report)).toBe(true);
    delete report.files[0].findings[0].category;
    expect(validate(report)).toBe(false);
  });
});
