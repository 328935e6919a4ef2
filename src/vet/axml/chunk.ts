/**
 * ResChunk_header (libandroidfw ResourceTypes.h): type, header size, total size; and the chunk
 * check Android applies to every chunk (validate_chunk): a header at least the minimum, a size at
 * least the header, both multiples of four, and the chunk inside the data.
 */
import { malformed, truncated } from '../../core/errors.js';
import { u16, u32 } from '../le-bytes.js';

export const CHUNK = {
  NULL: 0x0000,
  STRING_POOL: 0x0001,
  TABLE: 0x0002,
  XML: 0x0003,
  XML_START_NAMESPACE: 0x0100,
  XML_END_NAMESPACE: 0x0101,
  XML_START_ELEMENT: 0x0102,
  XML_END_ELEMENT: 0x0103,
  XML_CDATA: 0x0104,
  XML_LAST_NODE: 0x017f,
  XML_RESOURCE_MAP: 0x0180,
} as const;

export const CHUNK_HEADER_BYTES = 8;

export interface ChunkHeader {
  offset: number;
  type: number;
  headerSize: number;
  size: number;
}

export function readChunkHeader(b: Uint8Array, at: number): ChunkHeader {
  return {
    offset: at,
    type: u16(b, at, 'chunk type'),
    headerSize: u16(b, at + 2, 'chunk header size'),
    size: u32(b, at + 4, 'chunk size'),
  };
}

/** Android's validate_chunk: throws what it would refuse, naming the chunk's offset. */
export function checkChunk(c: ChunkHeader, minHeader: number, end: number, what: string): void {
  if (c.headerSize < minHeader)
    throw malformed(`${what}: header size ${c.headerSize} is below the minimum ${minHeader}`, c.offset);
  if (c.size < c.headerSize)
    throw malformed(`${what}: size ${c.size} is smaller than its header (${c.headerSize})`, c.offset);
  if (((c.headerSize | c.size) & 3) !== 0)
    throw malformed(
      `${what}: size ${c.size} or header size ${c.headerSize} is not a multiple of 4`,
      c.offset,
    );
  if (c.size > end - c.offset)
    throw truncated(`${what}: declares ${c.size} bytes, ${end - c.offset} remain`, c.offset);
}
