/**
 * DEX reader: what one classes*.dex names (strings, types, field and method references) and
 * defines (classes). Written by hand because no maintained npm library reads DEX with bounded,
 * hostile-input-safe parsing. The caller reads classes.dex, classes2.dex… and calls this on each.
 */

import { AirlockError } from '../../core/errors.js';
import type { Warning } from '../../findings/model.js';
import { type ClassDef, readClasses } from './classes.js';
import { type DexHeader, readHeader } from './header.js';
import { type FieldRef, type MethodRef, readFields, readMethods, readTypes } from './ids.js';
import { readStrings } from './strings.js';
import { WarningSink } from './warnings.js';

export type { ClassDef } from './classes.js';
export type { DexHeader, Table } from './header.js';
export { adler32 } from './header.js';
export { type HostMention, hostsIn } from './hosts.js';
export type { FieldRef, MethodRef } from './ids.js';
export { DEX_LIMITS } from './limits.js';

export interface DexSummary {
  /** The name the caller gave (e.g. 'classes2.dex'). */
  name: string;
  /** 35…41. */
  version: number;
  header: DexHeader;
  /** Every string_id, in table order (sorted, as the format requires of a valid file). */
  strings: string[];
  /** Type descriptors, in type_ids order: 'Ljava/lang/String;', '[I'… */
  types: string[];
  /** Method references (what the code calls or defines), in method_ids order. */
  methods: MethodRef[];
  fields: FieldRef[];
  /** Classes this file defines, in class_defs order. */
  classes: ClassDef[];
  /** dex-checksum, dex-file-size, dex-string-mutf8, dex-bad-index… */
  warnings: Warning[];
}

/** Reads one DEX file. Throws AirlockError (naming `name` and an offset) when it cannot be read. */
export function readDex(bytes: Uint8Array, name: string): DexSummary {
  const warn = new WarningSink();
  try {
    const header = readHeader(bytes, warn);
    const strings = readStrings(bytes, header, warn);
    const types = readTypes(bytes, header, strings, warn);
    return {
      name,
      version: header.version,
      header,
      strings,
      types,
      methods: readMethods(bytes, header, strings, types, warn),
      fields: readFields(bytes, header, strings, types, warn),
      classes: readClasses(bytes, header, types, warn),
      warnings: warn.done(),
    };
  } catch (e) {
    if (e instanceof AirlockError && !e.file) e.file = name;
    throw e;
  }
}
