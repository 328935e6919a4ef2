/**
 * One XMP packet → findings. Every property becomes a finding (its own value bytes as ranges);
 * scattered positions become one position finding each (positions.ts).
 */
import type { Finding, Value } from '../../findings/model.js';
import type { Collector } from '../types.js';
import { categoryOf, NUMBER_UNITS } from './categories.js';
import { combinePositions, parseDecimal } from './positions.js';
import { parseXmp, type XmpProperty } from './rdf.js';

export function readXmpPacket(bytes: Uint8Array, fileOffset: number, path: string[], out: Collector): void {
  for (const f of xmpFindings(parseXmp(bytes, fileOffset), path)) out.add(f);
}

export function xmpFindings(list: XmpProperty[], path: string[]): Finding[] {
  const props = new Map(list.map((p) => [p.tag, p]));
  const { findings, consumed } = combinePositions(props, path);
  for (const p of list) {
    if (consumed.has(p.tag)) continue;
    findings.push({
      category: categoryOf(p.tag),
      tag: p.tag,
      path,
      ranges: p.ranges,
      value: propertyValue(p),
    });
  }
  return findings;
}

function propertyValue(p: XmpProperty): Value {
  const text = p.values.join(', ');
  const unit = NUMBER_UNITS[p.tag];
  if (unit !== undefined && p.values.length === 1) {
    const n = parseDecimal(text);
    if (n !== undefined) return { kind: 'number', value: n, unit };
  }
  if (categoryOf(p.tag) === 'time') return { kind: 'time', text };
  return { kind: 'text', text };
}
