/**
 * The APK Signing Block: the ID-value pairs that sit immediately before the central directory
 * (source.android.com, "APK Signature Scheme v2", APK Signing Block). Layout:
 *   uint64 size (excluding this field) · pairs (uint64 length, uint32 id, value) ·
 *   uint64 size (same) · "APK Sig Block 42".
 * As Android does, a block that is not exactly there and exactly so counts as absent: the reason
 * becomes a warning, and the schemes it would carry are then absent.
 */
import type { Warning } from '../../findings/model.js';
import type { ZipArchive } from '../zip/types.js';
import { SIGNING_LIMITS } from './limits.js';
import { LeReader } from './reader.js';

export const BLOCK_IDS = {
  v2: 0x7109871a,
  v3: 0xf05368c0,
  v31: 0x1b93ad61,
  verityPadding: 0x42726577,
  sourceStampV1: 0x2b09189e,
  sourceStampV2: 0x6dff800d,
  /** Written by Google Play's dependency-info block (encrypted SDK list). */
  dependencyInfo: 0x504b4453,
  /** Zero-filled alignment written by some signers. */
  zeroPadding: 0x00000000,
} as const;

const NAMES = new Map<number, string>(Object.entries(BLOCK_IDS).map(([k, v]) => [v, k]));

export const blockIdName = (id: number): string =>
  NAMES.get(id) ?? `unknown 0x${id.toString(16).padStart(8, '0')}`;

export interface BlockPair {
  id: number;
  /** 'v2', 'v3', 'v31', 'verityPadding', 'sourceStampV2'… or 'unknown 0x…'. */
  name: string;
  /** Absolute offset of the value in the APK. */
  offset: number;
  value: Uint8Array;
}

export interface SigningBlock {
  /** Absolute offset of the block's first byte (its leading size field). */
  offset: number;
  /** Whole block, both size fields and the magic included. */
  length: number;
  pairs: BlockPair[];
}

const MAGIC = new TextEncoder().encode('APK Sig Block 42');
const FOOTER = 24; // uint64 size + 16-byte magic

function magicAt(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < MAGIC.length; i++) if (bytes[at + i] !== MAGIC[i]) return false;
  return true;
}

/** The block before the central directory, or undefined with a warning saying why not. */
export function findSigningBlock(
  bytes: Uint8Array,
  zip: Pick<ZipArchive, 'cdOffset'>,
  warnings: Warning[],
): SigningBlock | undefined {
  const cd = zip.cdOffset;
  if (cd < 32 || cd > bytes.length) return undefined; // no room for a block: simply none
  const footer = cd - FOOTER;
  if (!magicAt(bytes, footer + 8)) return undefined;
  const absent = (detail: string, offset: number) => {
    warnings.push({
      name: 'apk-signing-block-malformed',
      offset,
      detail: `${detail}: block ignored, as Android does`,
    });
    return undefined;
  };
  const sizeInFooter = new LeReader(bytes.subarray(footer, footer + 8), footer, 'APK Signing Block').u64();
  if (sizeInFooter < FOOTER || sizeInFooter > SIGNING_LIMITS.maxBlockBytes) {
    return absent(`APK Signing Block size ${sizeInFooter} out of range`, footer);
  }
  const start = cd - (sizeInFooter + 8);
  if (start < 0) return absent(`APK Signing Block size ${sizeInFooter} reaches before the file`, footer);
  const sizeInHeader = new LeReader(bytes.subarray(start, start + 8), start, 'APK Signing Block').u64();
  if (sizeInHeader !== sizeInFooter) {
    return absent(
      `APK Signing Block sizes differ: ${sizeInHeader} at its start, ${sizeInFooter} at its end`,
      start,
    );
  }
  const pairs: BlockPair[] = [];
  const r = new LeReader(bytes.subarray(start + 8, footer), start + 8, 'APK Signing Block');
  // Android looks pairs up one at a time: pairs before a malformed one are still found.
  const stop = (detail: string, offset: number) =>
    warnings.push({
      name: 'apk-signing-block-malformed',
      offset,
      detail: `${detail}: pairs from here ignored`,
    });
  while (r.remaining > 0) {
    const at = r.offset;
    const n = pairs.length + 1;
    if (pairs.length >= SIGNING_LIMITS.maxPairs) {
      stop(`APK Signing Block holds more than ${SIGNING_LIMITS.maxPairs} pairs`, at);
      break;
    }
    if (r.remaining < 8) {
      stop(`APK Signing Block pair #${n}: size cut short`, at);
      break;
    }
    const len = r.u64();
    if (len < 4 || len > r.remaining) {
      stop(`APK Signing Block pair #${n}: size ${len} out of range (${r.remaining} bytes remain)`, at);
      break;
    }
    const id = r.u32();
    const value = r.take(len - 4, 'pair value');
    pairs.push({ id, name: blockIdName(id), offset: at + 12, value });
  }
  return { offset: start, length: cd - start, pairs };
}
