/**
 * The id tables that name what the code refers to: type_ids (descriptors), field_ids and
 * method_ids (defining class and name; a method's proto is not needed to say what it calls).
 * An index out of range gives '' and a warning rather than stopping the read: what else the
 * file names is still worth reporting.
 */
import { u16, u32 } from '../le-bytes.js';
import type { DexHeader } from './header.js';
import type { WarningSink } from './warnings.js';

export interface MethodRef {
  /** Descriptor of the defining class, e.g. 'Landroid/content/pm/PackageInstaller;'. */
  cls: string;
  name: string;
}

export interface FieldRef {
  cls: string;
  name: string;
  /** Descriptor of the field's type. */
  type: string;
}

/** table[idx], or '' and a warning when the index points outside it. */
export function pick(
  table: readonly string[],
  idx: number,
  at: number,
  what: string,
  warn: WarningSink,
): string {
  if (idx < table.length) return table[idx]!;
  warn.add('dex-bad-index', at, `${what} index ${idx} is past the table's ${table.length} entries`);
  return '';
}

export function readTypes(
  b: Uint8Array,
  h: DexHeader,
  strings: readonly string[],
  warn: WarningSink,
): string[] {
  const out: string[] = new Array(h.typeIds.size);
  for (let i = 0; i < h.typeIds.size; i++) {
    const at = h.typeIds.off + 4 * i;
    out[i] = pick(strings, u32(b, at, 'dex type_id'), at, 'type descriptor string', warn);
  }
  return out;
}

export function readFields(
  b: Uint8Array,
  h: DexHeader,
  strings: readonly string[],
  types: readonly string[],
  warn: WarningSink,
): FieldRef[] {
  const out: FieldRef[] = new Array(h.fieldIds.size);
  for (let i = 0; i < h.fieldIds.size; i++) {
    const at = h.fieldIds.off + 8 * i;
    out[i] = {
      cls: pick(types, u16(b, at, 'dex field_id'), at, 'field class type', warn),
      type: pick(types, u16(b, at + 2, 'dex field_id'), at + 2, 'field type', warn),
      name: pick(strings, u32(b, at + 4, 'dex field_id'), at + 4, 'field name string', warn),
    };
  }
  return out;
}

export function readMethods(
  b: Uint8Array,
  h: DexHeader,
  strings: readonly string[],
  types: readonly string[],
  warn: WarningSink,
): MethodRef[] {
  const out: MethodRef[] = new Array(h.methodIds.size);
  for (let i = 0; i < h.methodIds.size; i++) {
    const at = h.methodIds.off + 8 * i;
    out[i] = {
      cls: pick(types, u16(b, at, 'dex method_id'), at, 'method class type', warn),
      name: pick(strings, u32(b, at + 4, 'dex method_id'), at + 4, 'method name string', warn),
    };
  }
  return out;
}
