/**
 * Binary XML (RES_XML_TYPE) into a tree, walked the way Android's ResXMLTree walks it (written by
 * hand: no maintained npm reader of AXML gives hostile-input bounds). Where Android refuses the
 * document (bad header, no string pool, no element, a bad first node) this throws an AirlockError
 * naming the offset; where Android reads on, skips or stops early (unknown chunks, a bad later
 * node, unbalanced tags, unreadable strings), this does the same and says so in a Warning.
 */
import { AirlockError, malformed, truncated } from '../../core/errors.js';
import { bound } from '../../core/limits.js';
import { u8, u16, u32 } from '../le-bytes.js';
import { ANDROID_NS, frameworkAttrName } from './attr-names.js';
import { CHUNK, CHUNK_HEADER_BYTES, type ChunkHeader, checkChunk, readChunkHeader } from './chunk.js';
import { AXML_LIMITS } from './limits.js';
import { readStringPool, type StringPool } from './string-pool.js';
import type { AxmlAttr, AxmlDocument, AxmlElement, AxmlNamespace } from './types.js';
import { attrType, decodeValue } from './values.js';
import { Warnings } from './warnings.js';

const NO_INDEX = 0xffffffff;
const NODE_HEADER_BYTES = 16;
const ATTR_EXT_BYTES = 20;
const ATTR_BYTES = 20;
/** Bytes each node type needs past its header (ResXMLTree_*Ext). */
const MIN_EXT: Record<number, number> = {
  [CHUNK.XML_START_NAMESPACE]: 8,
  [CHUNK.XML_END_NAMESPACE]: 8,
  [CHUNK.XML_START_ELEMENT]: ATTR_EXT_BYTES,
  [CHUNK.XML_END_ELEMENT]: 8,
  [CHUNK.XML_CDATA]: 12,
};

interface Context {
  b: Uint8Array;
  pool: StringPool;
  resIds: { at: number; count: number };
  w: Warnings;
}

export function parseAxml(bytes: Uint8Array): AxmlDocument {
  bound(bytes.length, AXML_LIMITS.maxDocumentBytes, 'binary XML size (bytes)', 0);
  if (bytes.length < CHUNK_HEADER_BYTES) throw truncated('binary XML header', 0);
  const w = new Warnings();
  const head = readChunkHeader(bytes, 0);
  // Android does not check the document's type (androguard's WrongChunkStart sample has 0): nor do we.
  if (head.type !== CHUNK.XML)
    w.add(
      'axml-not-xml-type',
      0,
      `document chunk type 0x${head.type.toString(16)}, not 0x0003 (Android reads it anyway)`,
    );
  if (head.size > bytes.length)
    throw truncated(`binary XML: declares ${head.size} bytes, ${bytes.length} present`, 4);
  if (head.headerSize > head.size)
    throw malformed(`binary XML: header size ${head.headerSize} exceeds the document size ${head.size}`, 2);
  if (head.size < bytes.length)
    w.add(
      'axml-trailing-bytes',
      head.size,
      `${bytes.length - head.size} bytes after the document are ignored`,
    );
  // Everything past the declared size is outside the document, as for Android.
  const b = bytes.subarray(0, head.size);
  const { pool, resIds, firstNode } = readPreamble(b, head.headerSize, w);
  return walk({ b, pool, resIds, w }, firstNode);
}

/** ResXMLTree::setTo's first pass: chunks up to the first node give the string pool and resource map. */
function readPreamble(
  b: Uint8Array,
  start: number,
  w: Warnings,
): { pool: StringPool; resIds: Context['resIds']; firstNode: number } {
  const end = b.length;
  let pool: StringPool | undefined;
  let resIds = { at: 0, count: 0 };
  let off = start;
  // Android's loop condition, strict: a chunk ending exactly at the end is not looked at.
  while (off < end - CHUNK_HEADER_BYTES && off + u32(b, off + 4, 'chunk size') < end) {
    const c = readChunkHeader(b, off);
    checkChunk(c, CHUNK_HEADER_BYTES, end, 'XML chunk');
    if (c.type === CHUNK.STRING_POOL) {
      if (pool) w.add('axml-extra-pool', off, 'a second string pool replaces the first (as on Android)');
      pool = readStringPool(b, c, w);
    } else if (c.type === CHUNK.XML_RESOURCE_MAP) {
      resIds = { at: off + c.headerSize, count: Math.floor((c.size - c.headerSize) / 4) };
    } else if (c.type >= CHUNK.XML_START_NAMESPACE && c.type <= CHUNK.XML_LAST_NODE) {
      checkNode(b, c);
      if (!pool) throw malformed('binary XML: no string pool before the first node', off);
      return { pool, resIds, firstNode: off };
    } else w.add('axml-unknown-chunk', off, `chunk type 0x${c.type.toString(16)} skipped`);
    off += c.size;
  }
  throw malformed('binary XML: no element node found', off);
}

/** ResXMLTree::validateNode: the chunk check, and a start element's attributes inside it. */
function checkNode(b: Uint8Array, c: ChunkHeader): void {
  checkChunk(c, NODE_HEADER_BYTES, b.length, 'XML node');
  if (c.type !== CHUNK.XML_START_ELEMENT) return;
  if (c.size < c.headerSize + ATTR_EXT_BYTES)
    throw malformed(`XML start element: size ${c.size} leaves no room for its attributes header`, c.offset);
  const ext = c.offset + c.headerSize;
  const used =
    u16(b, ext + 8, 'attribute start') +
    u16(b, ext + 10, 'attribute size') * u16(b, ext + 12, 'attribute count');
  if (used > c.size - c.headerSize)
    throw malformed(
      `XML start element: attributes need ${used} bytes, the node has ${c.size - c.headerSize}`,
      c.offset,
    );
}

/** ResXMLParser::nextNode over the nodes, building the element tree. */
function walk(ctx: Context, firstNode: number): AxmlDocument {
  const { b, w } = ctx;
  const roots: AxmlElement[] = [];
  const stack: AxmlElement[] = [];
  const openNs: AxmlNamespace[] = [];
  let pendingNs: AxmlNamespace[] = [];
  let elements = 0;
  let off = firstNode;

  while (off < b.length) {
    let c: ChunkHeader;
    try {
      if (off + CHUNK_HEADER_BYTES > b.length) throw truncated('XML node header', off);
      c = readChunkHeader(b, off);
      checkNode(b, c);
    } catch (e) {
      if (!(e instanceof AirlockError) || off === firstNode) throw e;
      // Android ends the document here (BAD_DOCUMENT); what came before stands.
      w.add('axml-bad-node', off, `${e.message}; reading stops here, as Android's does`);
      break;
    }
    const minExt = MIN_EXT[c.type];
    if (minExt === undefined) {
      w.add('axml-unknown-node', off, `node type 0x${c.type.toString(16)} skipped`);
      off += c.size;
      continue;
    }
    if (c.size - c.headerSize < minExt) {
      w.add(
        'axml-bad-node',
        off,
        `node type 0x${c.type.toString(16)} is too small; reading stops here, as Android's does`,
      );
      break;
    }
    const ext = off + c.headerSize;
    switch (c.type) {
      case CHUNK.XML_START_NAMESPACE: {
        const ns = {
          prefix: str(ctx, u32(b, ext, 'prefix'), off) ?? '',
          uri: str(ctx, u32(b, ext + 4, 'uri'), off) ?? '',
        };
        openNs.push(ns);
        pendingNs.push(ns);
        break;
      }
      case CHUNK.XML_END_NAMESPACE:
        if (openNs.pop() === undefined)
          w.add('axml-unbalanced-namespace', off, 'namespace end without a start');
        break;
      case CHUNK.XML_START_ELEMENT: {
        elements = bound(elements + 1, AXML_LIMITS.maxElements, 'elements in one document', off);
        if (stack.length >= AXML_LIMITS.maxDepth)
          throw new AirlockError(
            'AIRLOCK_ERR_LIMIT',
            `elements nest deeper than ${AXML_LIMITS.maxDepth}`,
            off,
          );
        const el = readElement(ctx, c, pendingNs);
        pendingNs = [];
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(el);
        else {
          if (roots.length > 0)
            w.add(
              'axml-extra-root',
              off,
              `a second top-level element <${el.name}>: Android reads only the first`,
            );
          roots.push(el);
        }
        stack.push(el);
        break;
      }
      case CHUNK.XML_END_ELEMENT:
        if (stack.pop() === undefined) w.add('axml-unbalanced-end', off, 'element end without a start');
        break;
      case CHUNK.XML_CDATA: {
        const text = str(ctx, u32(b, ext, 'text'), off) ?? '';
        const top = stack[stack.length - 1];
        if (top) top.text.push({ index: top.children.length, value: text });
        else w.add('axml-stray-text', off, 'text outside any element');
        break;
      }
    }
    off += c.size;
  }
  if (stack.length > 0) w.add('axml-unclosed', b.length, `${stack.length} elements not closed at the end`);
  const [root, ...extraRoots] = roots;
  if (!root) throw malformed('binary XML: no element', firstNode);
  return { root, extraRoots, warnings: w.done() };
}

function readElement(ctx: Context, c: ChunkHeader, namespaces: AxmlNamespace[]): AxmlElement {
  const { b, w } = ctx;
  const off = c.offset;
  const ext = off + c.headerSize;
  const name = str(ctx, u32(b, ext + 4, 'element name'), off);
  if (name === undefined) w.add('axml-element-name', off, 'element has no readable name');
  const ns = str(ctx, u32(b, ext, 'element namespace'), off);
  const comment = str(ctx, u32(b, off + 12, 'comment'), off);
  const el: AxmlElement = {
    name: name ?? '',
    ...(ns !== undefined && { ns }),
    line: u32(b, off + 8, 'line number'),
    ...(comment !== undefined && { comment }),
    namespaces,
    attrs: [],
    children: [],
    text: [],
    offset: off,
  };
  const start = u16(b, ext + 8, 'attribute start');
  const size = u16(b, ext + 10, 'attribute size');
  const count = u16(b, ext + 12, 'attribute count');
  for (let i = 0; i < count; i++) {
    const at = ext + start + size * i;
    if (at + ATTR_BYTES > off + c.size) {
      // Android would read past the node here (attribute size under 20): stop at its end instead.
      w.add('axml-attr-overrun', at, `attribute ${i} runs past its element node; the rest are skipped`);
      break;
    }
    el.attrs.push(readAttr(ctx, at));
  }
  return el;
}

function readAttr(ctx: Context, at: number): AxmlAttr {
  const { b, resIds, w } = ctx;
  const nameIndex = u32(b, at + 4, 'attribute name');
  const poolNs = str(ctx, u32(b, at, 'attribute namespace'), at);
  const poolName = str(ctx, nameIndex, at);
  const rawIndex = u32(b, at + 8, 'attribute raw value');
  const dataType = u8(b, at + 15, 'attribute data type');
  const data = u32(b, at + 16, 'attribute data');
  // getAttributeNameResID: the resource map is indexed by the name's string index.
  const resourceId = nameIndex < resIds.count ? u32(b, resIds.at + 4 * nameIndex, 'resource id') : 0;
  const framework = resourceId !== 0 ? frameworkAttrName(resourceId) : undefined;
  const name = framework ?? poolName ?? '';
  const ns = framework !== undefined ? ANDROID_NS : poolNs;
  if (framework === undefined && poolName === undefined)
    w.add('axml-attr-name', at, 'attribute has no readable name and no known resource ID');
  const type = attrType(dataType);
  const value = type === 'string' ? (str(ctx, data, at) ?? null) : decodeValue(type, data);
  const raw = str(ctx, rawIndex, at);
  return {
    name,
    ...(ns !== undefined && { ns }),
    ...(resourceId !== 0 && { resourceId }),
    ...(poolName !== name && poolName !== undefined && { poolName }),
    ...(poolNs !== ns && { poolNs: poolNs ?? null }),
    type,
    dataType,
    data,
    value,
    ...(raw !== undefined && { raw }),
  };
}

/** A pool string by index: undefined for "none" (0xFFFFFFFF) and for what Android cannot read. */
function str(ctx: Context, index: number, at: number): string | undefined {
  if (index === NO_INDEX) return undefined;
  if (index >= ctx.pool.count) {
    ctx.w.add('axml-string-index', at, `string index ${index} is past the pool (${ctx.pool.count})`);
    return undefined;
  }
  return ctx.pool.get(index);
}
