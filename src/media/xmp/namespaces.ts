/**
 * XMP namespaces by URI, with the prefix ExifTool users know them by. Properties are mapped by
 * URI, never by the prefix a file happens to use (a file may bind any prefix to any URI).
 */
export const NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  x: 'adobe:ns:meta/',
  xml: 'http://www.w3.org/XML/1998/namespace',
  'drone-dji': 'http://www.dji.com/drone-dji/1.0/',
  exif: 'http://ns.adobe.com/exif/1.0/',
  exifEX: 'http://cipa.jp/exif/1.0/',
  tiff: 'http://ns.adobe.com/tiff/1.0/',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  xmpMM: 'http://ns.adobe.com/xap/1.0/mm/',
  xmpRights: 'http://ns.adobe.com/xap/1.0/rights/',
  xmpNote: 'http://ns.adobe.com/xmp/note/',
  xmpBJ: 'http://ns.adobe.com/xap/1.0/bj/',
  xmpTPg: 'http://ns.adobe.com/xap/1.0/t/pg/',
  xmpDM: 'http://ns.adobe.com/xmp/1.0/DynamicMedia/',
  xmpGImg: 'http://ns.adobe.com/xap/1.0/g/img/',
  stRef: 'http://ns.adobe.com/xap/1.0/sType/ResourceRef#',
  stEvt: 'http://ns.adobe.com/xap/1.0/sType/ResourceEvent#',
  dc: 'http://purl.org/dc/elements/1.1/',
  photoshop: 'http://ns.adobe.com/photoshop/1.0/',
  Iptc4xmpCore: 'http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/',
  Iptc4xmpExt: 'http://iptc.org/std/Iptc4xmpExt/2008-02-29/',
  plus: 'http://ns.useplus.org/ldf/xmp/1.0/',
  crs: 'http://ns.adobe.com/camera-raw-settings/1.0/',
  aux: 'http://ns.adobe.com/exif/1.0/aux/',
  pdf: 'http://ns.adobe.com/pdf/1.3/',
  lr: 'http://ns.adobe.com/lightroom/1.0/',
  GPano: 'http://ns.google.com/photos/1.0/panorama/',
  GCamera: 'http://ns.google.com/photos/1.0/camera/',
  GImage: 'http://ns.google.com/photos/1.0/image/',
  GDepth: 'http://ns.google.com/photos/1.0/depthmap/',
  GContainer: 'http://ns.google.com/photos/1.0/container/',
  Camera: 'http://pix4d.com/camera/1.0/',
  MicrosoftPhoto: 'http://ns.microsoft.com/photo/1.0/',
} as const;
export type Prefix = keyof typeof NS;

const PREFIX_OF = new Map<string, string>(Object.entries(NS).map(([p, uri]) => [uri, p]));

const KNOWN_PREFIXES = new Set<string>(Object.keys(NS));

/**
 * The conventional prefix for a namespace URI; the document's own prefix when Airlock knows no
 * better, unless that is a known one bound to another URI (`xmlns:tiff="http://example.com/"`):
 * then `unknown-tiff`, so a property cannot borrow the category (camera model, kept by default)
 * of a namespace it is not in. ExifTool reads such properties as XMP-tmpN too.
 */
export const prefixFor = (uri: string, docPrefix: string): string =>
  PREFIX_OF.get(uri) ?? (KNOWN_PREFIXES.has(docPrefix) ? `unknown-${docPrefix}` : docPrefix || 'ns');
