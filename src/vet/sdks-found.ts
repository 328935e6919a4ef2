/** The catalogued SDKs whose classes an app's DEX files define. */
import { SDKS, type SdkSignature, sdkOfClass } from '../catalog/sdks.js';
import type { VetSdk } from './model.js';

/** `classes`: the class descriptors the DEX files define ('Lcom/x/Y;'), every file's together. */
export function findSdks(classes: Iterable<string>, sdks: readonly SdkSignature[] = SDKS): VetSdk[] {
  const found = new Map<SdkSignature, VetSdk>();
  for (const c of classes) {
    const s = sdkOfClass(c, sdks);
    if (!s) continue;
    const seen = found.get(s);
    if (seen) seen.classes++;
    else
      found.set(s, {
        id: s.id,
        name: s.name,
        vendor: s.vendor,
        purposes: [...s.purposes],
        classes: 1,
        example: c.startsWith('L') && c.endsWith(';') ? c.slice(1, -1).replaceAll('/', '.') : c,
      });
  }
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
}
