/**
 * The names of reports: a path relative to the reports folder, '/'-separated, as the walk makes
 * them and as renderReport accepts them. A name from a URL is checked against the same rules
 * before it comes near the file system.
 */

/** A folder entry the walk passes over: hidden ones (., .., .git, scrub's journal) and ones no URL path names plainly. */
export const isPassedOver = (entry: string): boolean =>
  entry.startsWith('.') || entry.includes('\\') || entry.includes('\0');

export const isReportFileName = (entry: string): boolean => !isPassedOver(entry) && entry.endsWith('.json');

/**
 * The name's segments when it is one the walk could list (relative, no '.' or '..', no hidden
 * part, no NUL or backslash, a .json file at most `maxDepth` folders down); else undefined.
 */
export function nameSegments(name: string, maxDepth: number): string[] | undefined {
  if (name.length === 0 || name.length > 4096) return undefined;
  const segments = name.split('/');
  if (segments.length > maxDepth + 1) return undefined;
  const file = segments[segments.length - 1] ?? '';
  if (!isReportFileName(file)) return undefined;
  return segments.every((s) => s !== '' && !isPassedOver(s)) ? segments : undefined;
}
