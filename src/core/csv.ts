/**
 * One CSV field, RFC 4180 §2.6–2.7: quoted when it holds a quote, comma, CR or LF, quotes doubled.
 * Text that starts with = + - @ TAB or CR gets a leading ' so a spreadsheet shows it instead of
 * running it as a formula (OWASP "CSV injection"): names in captures and logs are attacker-chosen.
 * Plain decimal numbers (also negative ones) pass unchanged.
 */
export function csvField(v: string | number | boolean): string {
  const s = String(v);
  const defused = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(defused) ? `"${defused.replace(/"/g, '""')}"` : defused;
}
