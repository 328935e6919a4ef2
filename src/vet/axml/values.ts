/**
 * Res_value (libandroidfw ResourceTypes.h): a data type byte and 32 bits of data, decoded into a
 * value a reader can use. Strings are looked up by the caller (they index the document's pool).
 */
import type { AttrType } from './types.js';

const TYPES: Record<number, AttrType> = {
  0: 'null',
  1: 'reference',
  2: 'attribute',
  3: 'string',
  4: 'float',
  5: 'dimension',
  6: 'fraction',
  7: 'dynamic-reference',
  8: 'dynamic-attribute',
  16: 'int-dec',
  17: 'int-hex',
  18: 'boolean',
  28: 'color-argb8',
  29: 'color-rgb8',
  30: 'color-argb4',
  31: 'color-rgb4',
};

export const attrType = (dataType: number): AttrType => TYPES[dataType] ?? 'unknown';

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const DIMENSION_UNITS = ['px', 'dip', 'sp', 'pt', 'in', 'mm'];
const FRACTION_UNITS = ['%', '%p'];
/** complexToFloat: a 24-bit signed mantissa scaled by one of four radixes. */
const RADIX = [1 / (1 << 8), 1 / (1 << 15), 1 / (1 << 23), 1 / 2 ** 31];
const complex = (data: number): number => ((data & 0xffffff00) | 0) * RADIX[(data >> 4) & 3]!;

function f32(data: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, data >>> 0);
  return dv.getFloat32(0);
}

/** The decoded value of every type but string (the caller resolves string indices). */
export function decodeValue(type: AttrType, data: number): string | number | boolean | null {
  switch (type) {
    case 'null':
    case 'string':
      return null;
    case 'reference':
    case 'dynamic-reference':
      return `@${hex8(data)}`;
    case 'attribute':
    case 'dynamic-attribute':
      return `?${hex8(data)}`;
    case 'float':
      return f32(data);
    case 'dimension':
      return `${complex(data)}${DIMENSION_UNITS[data & 0xf] ?? `(unit ${data & 0xf})`}`;
    case 'fraction':
      return `${complex(data) * 100}${FRACTION_UNITS[data & 0xf] ?? `(unit ${data & 0xf})`}`;
    case 'int-dec':
      return data | 0;
    case 'int-hex':
      return data >>> 0;
    case 'boolean':
      return data !== 0;
    case 'color-argb8':
    case 'color-rgb8':
    case 'color-argb4':
    case 'color-rgb4':
      return `#${(data >>> 0).toString(16).padStart(8, '0')}`;
    case 'unknown':
      return data >>> 0;
  }
}
