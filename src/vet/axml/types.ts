/**
 * The tree a binary XML document (AndroidManifest.xml, res/xml/*) reads into. Attribute names are
 * resolved the way Android resolves them: by resource ID when the resource map gives one.
 */
import type { Warning } from '../../findings/model.js';

/** Res_value data types (libandroidfw ResourceTypes.h), named. */
export type AttrType =
  | 'null'
  | 'reference'
  | 'attribute'
  | 'string'
  | 'float'
  | 'dimension'
  | 'fraction'
  | 'dynamic-reference'
  | 'dynamic-attribute'
  | 'int-dec'
  | 'int-hex'
  | 'boolean'
  | 'color-argb8'
  | 'color-rgb8'
  | 'color-argb4'
  | 'color-rgb4'
  | 'unknown';

export interface AxmlAttr {
  /** The name Android reads: the framework name for a known resource ID, else the pool's string. */
  name: string;
  /** Namespace URI; the android namespace when the name comes from a framework resource ID. */
  ns?: string;
  /** Resource ID of the name (from the resource map), when it has one. */
  resourceId?: number;
  /**
   * The string pool's own name and namespace, kept when they differ from the resolved ones
   * (poolNs null: the pool gave the attribute no namespace).
   */
  poolName?: string;
  poolNs?: string | null;
  type: AttrType;
  /** Res_value dataType and data as stored (what `aapt dump xmltree` prints). */
  dataType: number;
  data: number;
  /**
   * Decoded: string for strings, references ('@0x7f020003'), attribute references ('?0x…'),
   * dimensions ('16.0dip'), fractions and colours ('#ff00aa00'); number for integers and floats;
   * boolean for booleans; null for TYPE_NULL and for a string Android could not read.
   */
  value: string | number | boolean | null;
  /** The raw (source) string value, when the document kept one. */
  raw?: string;
}

export interface AxmlText {
  /** How many child elements come before the text. */
  index: number;
  value: string;
}

export interface AxmlNamespace {
  prefix: string;
  uri: string;
}

export interface AxmlElement {
  name: string;
  ns?: string;
  /** Source line the compiler recorded. */
  line: number;
  /** Comment the compiler kept for this element. */
  comment?: string;
  /** Namespaces declared (started) just before this element. */
  namespaces: AxmlNamespace[];
  attrs: AxmlAttr[];
  children: AxmlElement[];
  /** Text (CDATA) chunks directly inside this element, in order. */
  text: AxmlText[];
  /** Byte offset of the element's start chunk. */
  offset: number;
}

export interface AxmlDocument {
  /** The first element: what Android's ResXMLTree calls the root. */
  root: AxmlElement;
  /** Top-level elements after the first (Android's parsers never read them). */
  extraRoots: AxmlElement[];
  warnings: Warning[];
}
