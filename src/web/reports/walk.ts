/**
 * The reports folder walked within limits: folders down to maxDepth, maxEntries entries in all.
 * Links to folders are not followed (a loop, or a way out); links to files are handed on, and
 * read.ts checks where they lead. Each limit met is said once, as a problem.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportLimits } from './limits.js';
import { isPassedOver, isReportFileName } from './names.js';
import type { ReportProblem } from './types.js';

export interface Walked {
  /** Candidate report files, as names ('a/b.json'), in the folder's order by name. */
  files: string[];
  problems: ReportProblem[];
}

export async function walk(root: string, limits: ReportLimits): Promise<Walked> {
  const files: string[] = [];
  const problems: ReportProblem[] = [];
  let seen = 0;
  const visit = async (rel: readonly string[]): Promise<boolean> => {
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, ...rel), { withFileTypes: true });
    } catch (err) {
      problems.push({
        name: rel.length ? rel.join('/') : '.',
        code: 'AIRLOCK_ERR_IO',
        message: `folder could not be read (${(err as NodeJS.ErrnoException)?.code ?? String(err)})`,
      });
      return true;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of entries) {
      if (++seen > limits.maxEntries) {
        problems.push({
          name: '.',
          code: 'AIRLOCK_ERR_LIMIT',
          message: `more than ${limits.maxEntries} entries in the reports folder: the rest were not looked at`,
        });
        return false;
      }
      if (isPassedOver(d.name)) continue;
      const path = [...rel, d.name];
      if (d.isDirectory()) {
        if (rel.length >= limits.maxDepth) {
          problems.push({
            name: path.join('/'),
            code: 'AIRLOCK_ERR_LIMIT',
            message: `more than ${limits.maxDepth} folders down: not looked into`,
          });
        } else if (!(await visit(path))) return false;
      } else if ((d.isFile() || d.isSymbolicLink()) && isReportFileName(d.name)) {
        files.push(path.join('/'));
      }
    }
    return true;
  };
  await visit([]);
  return { files, problems };
}
