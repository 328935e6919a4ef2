/**
 * airlock.yaml → Policy: YAML (with line numbers) → strict schema → defaults ← profile ← file
 * → zone files read. Every failure is one AirlockError('AIRLOCK_ERR_POLICY') whose message
 * names file:line:column and the key path, so a broken policy is never half-applied.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { AirlockError, asAirlockError } from '../core/errors.js';
import { defaultPolicy } from './defaults.js';
import { overlay } from './merge.js';
import { PROFILE_MEDIA } from './profiles.js';
import { type PolicyFile, PolicySchema, type ZoneEntry } from './schema.js';
import type { Policy, Zone, ZoneRole } from './types.js';
import { formatKeyPath, keyPathAt, lineColOf } from './yaml-locate.js';
import { readZoneFile, ZoneFileError } from './zones/import.js';

/** A policy is a page of settings; anything bigger is not one. */
export const MAX_POLICY_BYTES = 1024 * 1024;
/** YAML aliases expanded when reading: stops "billion laughs". */
const MAX_ALIASES = 100;
const DEFAULT_ROLES: ZoneRole[] = ['drone', 'target'];

const policyError = (message: string, file: string): AirlockError =>
  new AirlockError('AIRLOCK_ERR_POLICY', message, undefined, file);

export function parsePolicy(text: string, fileName: string, opts: { baseDir?: string } = {}): Policy {
  if (text.length > MAX_POLICY_BYTES) {
    throw policyError(`${fileName}: ${text.length} characters exceeds limit ${MAX_POLICY_BYTES}`, fileName);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true });
  // Warnings (an unknown !tag…) are errors too: a policy must mean exactly what it says.
  const yamlProblem = doc.errors[0] ?? doc.warnings[0];
  if (yamlProblem) {
    const pos = yamlProblem.linePos?.[0] ?? lc.linePos(yamlProblem.pos[0]);
    // A second document is the file's structure, not a key's: said in a policy's words, not the
    // library's advice to call another of its functions.
    if (yamlProblem.code === 'MULTIPLE_DOCS')
      throw policyError(
        `${fileName}:${pos.line}:${pos.col}: YAML: a second document starts here: a policy is one document (remove the '---' and what follows, or merge them)`,
        fileName,
      );
    const what = yamlProblem.message.split(' at line ')[0];
    const path = formatKeyPath(keyPathAt(doc, yamlProblem.pos[0]));
    throw policyError(`${fileName}:${pos.line}:${pos.col}: ${path}: YAML: ${what}`, fileName);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {};
  } catch (e) {
    throw policyError(`${fileName}: YAML: ${(e as Error).message}`, fileName);
  }
  const parsed = PolicySchema.safeParse(raw);
  if (!parsed.success) throw policyError(describeIssues(parsed.error.issues, doc, lc, fileName), fileName);
  return resolvePolicy(parsed.data, doc, lc, fileName, opts.baseDir ?? '.');
}

export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw asAirlockError(e, path);
  }
  return parsePolicy(text, path, { baseDir: dirname(path) });
}

/** One line per problem, in file order: 'airlock.yaml:7:12: media.time: Invalid option…'. */
function describeIssues(issues: z.core.$ZodIssue[], doc: Document, lc: LineCounter, file: string): string {
  const lines: { line: number; col: number; text: string }[] = [];
  for (const issue of issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const { line, col } = lineColOf(doc, lc, issue.path, key);
      const path = formatKeyPath(key === undefined ? issue.path : [...issue.path, key]);
      const what = key === undefined ? issue.message : `unknown key "${key}"`;
      lines.push({ line, col, text: `${file}:${line}:${col}: ${path}: ${what}` });
    }
  }
  lines.sort((a, b) => a.line - b.line || a.col - b.col);
  return lines.map((l) => l.text).join('\n');
}

function resolvePolicy(
  file: PolicyFile,
  doc: Document,
  lc: LineCounter,
  fileName: string,
  baseDir: string,
): Policy {
  const base = defaultPolicy();
  const profile = file.profile ?? base.profile;
  return {
    version: 1,
    profile,
    media: overlay(overlay(base.media, PROFILE_MEDIA[profile]), file.media),
    zones: (file.zones ?? []).flatMap((entry, i) => zonesOf(entry, i, { doc, lc, fileName, baseDir })),
    network: overlay(base.network, file.network),
    gateway: overlay(base.gateway, file.gateway),
    store: storeOf(base.store, file.store),
  };
}

/**
 * An anchor vouches for one store's chain: a policy naming its own sqlitePath and no anchorFile
 * gets the store's file name with `.anchor` (fleet.sqlite → fleet.anchor), not the default
 * airlock.anchor another store in the same folder may hold (the gateway would refuse to start on
 * that one, and the two would overwrite each other's). A PostgreSQL store's is
 * postgres-<schema>.anchor.
 */
function storeOf(base: Policy['store'], file: PolicyFile['store']): Policy['store'] {
  const s = overlay(base, file);
  if (file?.anchorFile !== undefined) return s;
  // A PostgreSQL store's anchor is named for its schema: never the SQLite store's beside it.
  if (s.postgresUrl) return { ...s, anchorFile: `postgres-${s.postgresSchema}.anchor` };
  if (file?.sqlitePath === undefined) return s;
  const db = file.sqlitePath;
  const ext = extname(db);
  const anchor = `${ext ? db.slice(0, -ext.length) : db}.anchor`;
  // A store itself named *.anchor keeps its whole name: the anchor is never the database.
  return { ...s, anchorFile: anchor === db ? `${db}.anchor` : anchor };
}

interface Ctx {
  doc: Document;
  lc: LineCounter;
  fileName: string;
  baseDir: string;
}

function zonesOf(entry: ZoneEntry, i: number, ctx: Ctx): Zone[] {
  const common = { action: entry.action ?? 'withhold', roles: entry.roles ?? [...DEFAULT_ROLES] };
  const name = entry.name ?? '';
  if (entry.circle) {
    const { lat, lon, radius } = entry.circle;
    return [{ name, ...common, shapes: [{ type: 'circle', center: { lat, lon }, radius }] }];
  }
  if (entry.polygon) return [{ name, ...common, shapes: [{ type: 'polygon', rings: entry.polygon }] }];
  if (entry.multiPolygon) {
    return [{ name, ...common, shapes: entry.multiPolygon.map((rings) => ({ type: 'polygon', rings })) }];
  }
  const source = entry.import ?? '';
  try {
    const imported = readZoneFile(resolve(ctx.baseDir, source), entry.format, entry.pointRadius);
    // A name on the import entry prefixes each zone, so reports say which import it came from.
    return imported.map((z) => ({
      name: entry.name ? `${entry.name}: ${z.name}` : z.name,
      ...common,
      shapes: z.shapes,
      source,
    }));
  } catch (e) {
    const { line, col } = lineColOf(ctx.doc, ctx.lc, ['zones', i, 'import']);
    const what =
      e instanceof ZoneFileError
        ? e.message
        : e instanceof AirlockError
          ? e.message
          : (e as NodeJS.ErrnoException).code
            ? `${(e as NodeJS.ErrnoException).code}: cannot read`
            : String(e);
    throw new AirlockError(
      'AIRLOCK_ERR_POLICY',
      `${ctx.fileName}:${line}:${col}: zones[${i}].import: zone file ${source}: ${what}`,
      undefined,
      ctx.fileName,
    );
  }
}
