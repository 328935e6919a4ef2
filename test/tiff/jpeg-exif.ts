/** Test-only: find the APP1 Exif block of a JPEG (the real JPEG analyser is another folder's job). */
export function exifBlockOf(b: Uint8Array): { offset: number; length: number } | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let p = 2;
  while (p + 4 <= b.length && b[p] === 0xff) {
    const marker = b[p + 1] as number;
    if (marker === 0xda || marker === 0xd9) return undefined;
    const len = ((b[p + 2] as number) << 8) | (b[p + 3] as number);
    const isExif = marker === 0xe1 && String.fromCharCode(...b.subarray(p + 4, p + 10)) === 'Exif\0\0';
    if (isExif) return { offset: p + 10, length: len - 8 };
    p += 2 + len;
  }
  return undefined;
}
