/** A finding's value as one short line of plain text (callers escape it for their medium). */
import type { Value } from '../findings/model.js';

const MAX_TEXT = 80;

export function formatValue(v: Value): string {
  switch (v.kind) {
    case 'text':
    case 'time':
      return clip(v.text);
    case 'number':
      return v.unit ? `${v.value} ${v.unit}` : String(v.value);
    case 'position': {
      const { lat, lon, alt } = v.position;
      return `${lat.toFixed(6)}, ${lon.toFixed(6)}${alt === undefined ? '' : `, ${alt} m`}`;
    }
    case 'block': {
      const parts = [`${v.size} bytes`];
      if (v.mime) parts.push(v.mime);
      if (v.width !== undefined && v.height !== undefined) parts.push(`${v.width}×${v.height}`);
      if (v.note) parts.push(v.note);
      return clip(parts.join(', '));
    }
    case 'region':
      return `${v.width}×${v.height} at (${v.x}, ${v.y}), score ${v.score}`;
  }
}

/** Control characters made visible: a value must never drive the terminal (ANSI escapes) or break a line. */
export function visible(s: string): string {
  return s.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function clip(s: string): string {
  const v = visible(s);
  return v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT - 1)}…` : v;
}
