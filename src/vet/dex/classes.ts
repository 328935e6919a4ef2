/**
 * class_defs: the classes this DEX defines (class_def_item, 32 bytes each), with their superclass,
 * access flags and the interfaces they implement (a type_list: u32 count, then u16 type indexes).
 * Interfaces matter to vetting: a class implementing X509TrustManager may trust every certificate.
 */
import { u16, u32 } from '../le-bytes.js';
import type { DexHeader } from './header.js';
import { pick } from './ids.js';
import { DEX_LIMITS } from './limits.js';
import type { WarningSink } from './warnings.js';

const NO_INDEX = 0xffffffff;

export interface ClassDef {
  descriptor: string;
  /** Absent for java.lang.Object alone (NO_INDEX). */
  superclass?: string;
  /** ACC_PUBLIC 0x1, ACC_FINAL 0x10, ACC_INTERFACE 0x200, ACC_ABSTRACT 0x400… */
  accessFlags: number;
  interfaces: string[];
}

/** Interface entries still allowed to be read in this file (see DEX_LIMITS.maxInterfaceEntries). */
interface Budget {
  left: number;
}

function interfaces(
  b: Uint8Array,
  at: number,
  types: readonly string[],
  budget: Budget,
  warn: WarningSink,
): string[] {
  if (at === 0) return [];
  if (at + 4 > b.length) {
    warn.add('dex-interfaces-offset', at, `interface list at ${at} lies outside the file`);
    return [];
  }
  const n = u32(b, at, 'dex type_list size');
  const fit = Math.floor((b.length - at - 4) / 2);
  if (n > Math.min(fit, DEX_LIMITS.maxInterfaces)) {
    warn.add('dex-interfaces-size', at, `interface list of ${n} entries does not fit`);
    return [];
  }
  if (n > budget.left) {
    warn.add('dex-interfaces-budget', at, `interface lists name more entries than the file could hold`);
    return [];
  }
  budget.left -= n;
  const out: string[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const p = at + 4 + 2 * k;
    out[k] = pick(types, u16(b, p, 'dex type_list'), p, 'interface type', warn);
  }
  return out;
}

export function readClasses(
  b: Uint8Array,
  h: DexHeader,
  types: readonly string[],
  warn: WarningSink,
): ClassDef[] {
  const out: ClassDef[] = new Array(h.classDefs.size);
  const budget = { left: DEX_LIMITS.maxInterfaceEntries + Math.floor(b.length / 2) };
  for (let i = 0; i < h.classDefs.size; i++) {
    const at = h.classDefs.off + 32 * i;
    const superIdx = u32(b, at + 8, 'dex class_def');
    const c: ClassDef = {
      descriptor: pick(types, u32(b, at, 'dex class_def'), at, 'class type', warn),
      accessFlags: u32(b, at + 4, 'dex class_def'),
      interfaces: interfaces(b, u32(b, at + 12, 'dex class_def'), types, budget, warn),
    };
    if (superIdx !== NO_INDEX) c.superclass = pick(types, superIdx, at + 8, 'superclass type', warn);
    out[i] = c;
  }
  return out;
}
