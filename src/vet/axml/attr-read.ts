/**
 * Reading an element's attributes the way Android's package parser does: android:* attributes by
 * framework resource ID (TypedArray), so a masked name in the string pool changes nothing; the
 * few un-namespaced ones (package) by name and empty namespace (XmlPullParser.getAttributeValue).
 */
import { attrId } from './attr-names.js';
import type { Ref } from './manifest-types.js';
import type { AxmlAttr, AxmlElement } from './types.js';

const INT_TYPES = new Set([
  'int-dec',
  'int-hex',
  'boolean',
  'color-argb8',
  'color-rgb8',
  'color-argb4',
  'color-rgb4',
]);

export function androidAttr(el: AxmlElement, name: string): AxmlAttr | undefined {
  const id = attrId(name);
  return el.attrs.find((a) => a.resourceId === id);
}

const isRef = (a: AxmlAttr): boolean => a.type === 'reference' || a.type === 'dynamic-reference';

/** A string attribute; a reference stays a Ref; numbers and booleans as Android coerces them. */
export function attrString(el: AxmlElement, name: string): string | Ref | undefined {
  const a = androidAttr(el, name);
  if (!a || a.value === null) return undefined;
  if (isRef(a)) return a.value as Ref;
  return String(a.value);
}

/** A boolean attribute, or a Ref when it points into resources (resolved only by resources.arsc). */
export function attrBool(el: AxmlElement, name: string): boolean | Ref | undefined {
  const a = androidAttr(el, name);
  if (!a) return undefined;
  if (isRef(a)) return a.value as Ref;
  if (INT_TYPES.has(a.type)) return a.data !== 0;
  if (a.type === 'string' && typeof a.value === 'string') {
    const v = a.value.trim().toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
  }
  return undefined;
}

/** An integer attribute (any integer data type), as Android's signed int. */
export function attrInt(el: AxmlElement, name: string): number | undefined {
  const a = androidAttr(el, name);
  return a && INT_TYPES.has(a.type) ? a.data | 0 : undefined;
}

/** A resource ID attribute (android:networkSecurityConfig="@xml/…"). */
export function attrRef(el: AxmlElement, name: string): number | undefined {
  const a = androidAttr(el, name);
  return a && isRef(a) ? a.data >>> 0 : undefined;
}

/** An attribute with no namespace, by its string-pool name (`package`): the raw value first. */
export function plainAttr(el: AxmlElement, name: string): string | undefined {
  const a = el.attrs.find(
    (x) => (x.poolName ?? x.name) === name && (x.poolNs !== undefined ? x.poolNs : x.ns) == null,
  );
  if (!a) return undefined;
  if (a.raw !== undefined) return a.raw;
  return a.value === null ? undefined : String(a.value);
}
