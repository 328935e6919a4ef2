/** Build dist/ once before the tests that run the real CLI, when any source is newer than it. */
import { ensureBuilt } from './built.js';

export default function setup(): void {
  ensureBuilt();
}
