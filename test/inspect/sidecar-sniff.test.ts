/**
 * What is taken for an XMP sidecar by its content (no .xmp name): text that starts with markup
 * and holds an XMP marker. A binary file that holds an XMP packet, such as scikit-image's
 * horse.png (an iTXt XML:com.adobe.xmp chunk, from Debian's python3-skimage), is its own
 * format: reported as a PNG that is not read, not as a sidecar that fails to parse.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import { analyseSource } from '../../src/media/registry.js';
import { picture } from '../faces/opencv.js';

const analysed = (bytes: Uint8Array, name: string) => analyseSource(new BufferSource(bytes), name);

describe('XMP sidecars by content', () => {
  it('a PNG with an XMP packet in an iTXt chunk is a PNG, not read', () => {
    const png = readFileSync(picture('horse.png'));
    expect(png.includes(Buffer.from('iTXtXML:com.adobe.xmp'))).toBe(true);
    const r = analysed(png, 'horse.png');
    expect([r.format, r.status, r.reason]).toEqual([null, 'not-read', 'PNG image: not yet supported']);
  });

  const packet =
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Make="DJI"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>';
  it.each([
    ['as it is', packet],
    ['after a UTF-8 byte order mark and blank lines', `\ufeff\n\n  ${packet}`],
  ])('a sidecar named otherwise is still one: %s', (_n, text) => {
    const r = analysed(Buffer.from(text, 'utf8'), 'sidecar.txt');
    expect([r.format, r.status]).toEqual(['xmp', 'read']);
    expect(r.findings.map((f) => f.tag)).toContain('tiff:Make');
  });
});
