/**
 * A small binary XML writer for hand-made test documents (hostile ones included), written from
 * the format's description (ResourceTypes.h), independently of the reader under test.
 */

export const ANDROID = 'http://schemas.android.com/apk/res/android';

export interface BAttr {
  name: string;
  ns?: string;
  /** Resource ID put in the resource map for this attribute's name string. */
  id?: number;
  /** A string value, or a typed one. */
  str?: string;
  type?: number;
  data?: number;
}

export interface BElement {
  name: string;
  /** Text (a CDATA node) right after the start tag. */
  text?: string;
  attrs?: BAttr[];
  children?: BElement[];
}

const u16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** A UTF-16 string pool chunk. */
export function pool(strings: string[]): number[] {
  const data: number[] = [];
  const offsets: number[] = [];
  for (const s of strings) {
    offsets.push(data.length);
    // decodeLength: past 0x7fff the length takes two units, the first with its top bit set.
    if (s.length > 0x7fff) data.push(...u16(0x8000 | (s.length >>> 16)), ...u16(s.length & 0xffff));
    else data.push(...u16(s.length));
    for (let i = 0; i < s.length; i++) data.push(...u16(s.charCodeAt(i)));
    data.push(0, 0);
  }
  while (data.length % 4) data.push(0);
  const headerSize = 28;
  const stringsStart = headerSize + 4 * strings.length;
  const size = stringsStart + data.length;
  return [
    ...u16(0x0001),
    ...u16(headerSize),
    ...u32(size),
    ...u32(strings.length),
    ...u32(0),
    ...u32(0),
    ...u32(stringsStart),
    ...u32(0),
    ...offsets.flatMap(u32),
    ...data,
  ];
}

/** A whole document: pool (resource-mapped names first), resource map, android namespace, elements. */
export function buildAxml(root: BElement): Uint8Array {
  const idNames: [string, number][] = [];
  const other: string[] = [];
  const visit = (e: BElement) => {
    other.push(e.name);
    for (const a of e.attrs ?? []) {
      if (a.id !== undefined) {
        if (!idNames.some(([n, id]) => n === a.name && id === a.id)) idNames.push([a.name, a.id]);
      } else other.push(a.name);
      if (a.str !== undefined) other.push(a.str);
    }
    if (e.text !== undefined) other.push(e.text);
    for (const c of e.children ?? []) visit(c);
  };
  visit(root);
  const strings = [...idNames.map(([n]) => n), ...new Set(['android', ANDROID, ...other])];
  // Names with resource IDs hold the first indices, as aapt lays them out (the map indexes them).
  const index = (s: string): number => {
    const i = strings.indexOf(s, idNames.length);
    if (i < 0) throw new Error(`no string ${s}`);
    return i;
  };
  const nameIndex = (a: BAttr): number =>
    a.id !== undefined ? idNames.findIndex(([n, id]) => n === a.name && id === a.id) : index(a.name);
  const nsIndex = (ns?: string): number => (ns === undefined ? 0xffffffff : index(ns));

  const nodes: number[] = [];
  const node = (type: number, line: number, ext: number[]) =>
    nodes.push(...u16(type), ...u16(16), ...u32(16 + ext.length), ...u32(line), ...u32(0xffffffff), ...ext);
  node(0x0100, 1, [...u32(index('android')), ...u32(index(ANDROID))]);
  let line = 1;
  const emit = (e: BElement) => {
    const attrs = (e.attrs ?? []).flatMap((a) => {
      const isStr = a.str !== undefined;
      const raw = isStr ? index(a.str!) : 0xffffffff;
      return [
        ...u32(nsIndex(a.ns)),
        ...u32(nameIndex(a)),
        ...u32(raw),
        ...u16(8),
        0,
        isStr ? 0x03 : (a.type ?? 0x10),
        ...u32(isStr ? raw : (a.data ?? 0)),
      ];
    });
    const n = (e.attrs ?? []).length;
    node(0x0102, ++line, [
      ...u32(0xffffffff),
      ...u32(index(e.name)),
      ...u16(20),
      ...u16(20),
      ...u16(n),
      ...u16(0),
      ...u16(0),
      ...u16(0),
      ...attrs,
    ]);
    if (e.text !== undefined)
      node(0x0104, line, [...u32(index(e.text)), ...u16(8), 0, 0x03, ...u32(index(e.text))]);
    for (const c of e.children ?? []) emit(c);
    node(0x0103, line, [...u32(0xffffffff), ...u32(index(e.name))]);
  };
  emit(root);
  node(0x0101, line, [...u32(index('android')), ...u32(index(ANDROID))]);

  const p = pool(strings);
  const map = [
    ...u16(0x0180),
    ...u16(8),
    ...u32(8 + 4 * idNames.length),
    ...idNames.flatMap(([, id]) => u32(id)),
  ];
  const body = [...p, ...map, ...nodes];
  return new Uint8Array([...u16(0x0003), ...u16(8), ...u32(8 + body.length), ...body]);
}
