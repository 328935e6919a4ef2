/**
 * The oracle side of the binary XML tests: run Debian's `aapt` (dump badging / dump xmltree) and
 * `unzip`, and bring both aapt's output and Airlock's tree to one comparable line form.
 * aapt's xmltree indents by namespace depth as well as element depth; lines here carry the
 * element depth only (namespace lines are compared as a set), so both sides mean the same.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AxmlAttr, AxmlElement } from '../../src/vet/axml/index.js';

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool; a missing tool throws (tests that need it fail, never skip). */
export function run(cmd: string, args: string[]): ToolRun {
  const r = spawnSync(cmd, args, { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** AndroidManifest.xml from an APK by `unzip -p`, or undefined when unzip cannot give it. */
export const unzipManifest = (apk: string): Uint8Array | undefined => unzipEntry(apk, 'AndroidManifest.xml');

/** One entry of an APK by `unzip -p`, or undefined when unzip cannot give it. */
export function unzipEntry(apk: string, name: string): Uint8Array | undefined {
  const r = spawnSync('unzip', ['-p', apk, name], { maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`unzip could not run: ${r.error.message}`);
  return r.status === 0 && r.stdout.length > 0 ? new Uint8Array(r.stdout) : undefined;
}

/** A raw binary XML file packed alone into a temporary APK, so aapt can dump it. */
export function withTempApk<T>(manifest: Uint8Array, f: (apk: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-axml-'));
  try {
    writeFileSync(join(dir, 'AndroidManifest.xml'), manifest);
    execFileSync('zip', ['-q', '-X', 'm.apk', 'AndroidManifest.xml'], { cwd: dir });
    return f(join(dir, 'm.apk'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** aapt's xmltree output as lines `depth|E: …` / `depth|A: …` / `depth|C: …` plus its N: lines. */
export function aaptTreeLines(out: string): { lines: string[]; namespaces: string[] } {
  const lines: string[] = [];
  const namespaces: string[] = [];
  // Open levels by indent; namespace levels indent too but are not elements.
  const open: { indent: number; element: boolean }[] = [];
  for (const l of out.split('\n')) {
    const m = /^( *)([NEAC]): (.*)$/.exec(l);
    if (!m) continue;
    const indent = m[1]!.length;
    const kind = m[2]!;
    while (open.length > 0 && open[open.length - 1]!.indent >= indent) open.pop();
    const depth = open.filter((o) => o.element).length;
    if (kind === 'N') {
      namespaces.push(m[3]!);
      open.push({ indent, element: false });
    } else {
      lines.push(`${depth}|${kind}: ${m[3]}`);
      if (kind === 'E') open.push({ indent, element: true });
    }
  }
  return { lines, namespaces };
}

/** ResTable::normalizeForOutput over a C string (aapt stops at the first NUL). */
export function normalize(s: string): string {
  const cut = s.indexOf('\0');
  const t = cut >= 0 ? s.slice(0, cut) : s;
  return t.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** UTF-16 text as aapt prints it (UTF-8 bytes), in the latin1 the tool output was read as. */
const asOutput = (s: string): string => Buffer.from(normalize(s), 'utf8').toString('latin1');

const hex = (n: number, pad = 8): string => `0x${(n >>> 0).toString(16).padStart(pad, '0')}`;

function attrLine(a: AxmlAttr, prefixOf: (uri: string) => string): string {
  const poolName = a.poolName ?? a.name;
  const poolNs = a.poolNs !== undefined ? a.poolNs : a.ns;
  const ns = poolNs == null ? '' : `${prefixOf(poolNs)}:`;
  let s = `${ns}${asOutput(poolName)}`;
  if (a.resourceId !== undefined) s += `(${hex(a.resourceId)})`;
  if (a.dataType === 0) s += '=(null)';
  else if (a.dataType === 1) s += `=@${hex(a.data)}`;
  else if (a.dataType === 2) s += `=?${hex(a.data)}`;
  else if (a.dataType === 3) s += `="${asOutput(typeof a.value === 'string' ? a.value : '')}"`;
  else s += `=(type 0x${a.dataType.toString(16)})0x${(a.data >>> 0).toString(16)}`;
  if (a.raw !== undefined) s += ` (Raw: "${asOutput(a.raw)}")`;
  return s;
}

/** Airlock's tree in aapt's line form (namespaces in scope by XML rules). */
export function airlockTreeLines(root: AxmlElement): { lines: string[]; namespaces: string[] } {
  const lines: string[] = [];
  const namespaces: string[] = [];
  const visit = (el: AxmlElement, depth: number, scope: { prefix: string; uri: string }[]): void => {
    for (const n of el.namespaces) namespaces.push(`${asOutput(n.prefix)}=${asOutput(n.uri)}`);
    const inScope = [...scope, ...el.namespaces];
    const prefixOf = (uri: string): string => inScope.find((n) => n.uri === uri)?.prefix ?? uri;
    const ens = el.ns === undefined ? '' : `${asOutput(prefixOf(el.ns))}:`;
    lines.push(`${depth}|E: ${ens}${asOutput(el.name)} (line=${el.line})`);
    for (const a of el.attrs) lines.push(`${depth + 1}|A: ${attrLine(a, (u) => asOutput(prefixOf(u)))}`);
    let t = 0;
    el.children.forEach((c, i) => {
      for (; t < el.text.length && el.text[t]!.index <= i; t++)
        lines.push(`${depth + 1}|C: "${asOutput(el.text[t]!.value)}"`);
      visit(c, depth + 1, inScope);
    });
    for (; t < el.text.length; t++) lines.push(`${depth + 1}|C: "${asOutput(el.text[t]!.value)}"`);
  };
  visit(root, 0, []);
  return { lines, namespaces };
}
