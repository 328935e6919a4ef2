/**
 * A time cut to its date, in the carrier's own notation, so the value still parses where it
 * is written:
 * - EXIF 'YYYY:MM:DD HH:MM:SS' → 'YYYY:MM:DD 00:00:00' (the tag's fixed 19-character form stays
 *   valid for every reader; midnight is the date-only convention, documented in the manifest);
 * - ISO 8601 / XMP / SRT 'YYYY-MM-DD[T ]HH:MM…' → 'YYYY-MM-DD' (XMP dates may be date-only);
 * - IPTC 'YYYYMMDD', US 'M/D/YYYY h:mm:ss AM' → the date part as written;
 * - a text that is already a date only is kept as it is;
 * - a text without a date (GPSTimeStamp '14:58:24', SubSecTime '890', a flight-log offset) → null:
 *   there is no date to keep, so the carrier is dropped.
 */
const LEADING_DATE = /^\s*(\d{4})([-:./]?)(\d{2})\2(\d{2})(?!\d)/;
const US_DATE = /^\s*(\d{1,2}\/\d{1,2}\/\d{4})(?!\d)/;
const EXIF_TIME = /^ \d{2}:\d{2}:\d{2}/;

export function dateOnly(text: string): string | null {
  const iso = LEADING_DATE.exec(text);
  if (iso) {
    const date = iso[0].trimStart();
    const rest = text.slice(iso[0].length);
    if (rest.trim() === '') return text;
    if (iso[2] === ':' && EXIF_TIME.test(rest)) return `${date} 00:00:00`;
    return date;
  }
  const us = US_DATE.exec(text);
  if (us) return text.slice(us[0].length).trim() === '' ? text : (us[1] as string);
  return null;
}
