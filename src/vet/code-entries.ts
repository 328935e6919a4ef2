/**
 * What the APK's file list says about its code: the DEX files Android loads (classes.dex,
 * classes2.dex… at the root), native libraries per ABI (lib/ABI/*.so), and code carried
 * elsewhere (an APK, DEX or JAR under assets/ or res/raw/ is code the app can load or install
 * later, which no vetting of this release covers). Kinds come from the first bytes, not the name.
 */
import type { VetCode } from './model.js';

/** Android's own DEX files: classes.dex, then classes2.dex, classes3.dex… (multidex). */
export const isLoadedDex = (name: string): boolean =>
  /^classes\d*\.dex$/.test(name) && name !== 'classes1.dex';

const NATIVE = /^lib\/([^/]+)\/([^/]+\.so)$/;

export function nativeLibOf(name: string): { abi: string; name: string } | undefined {
  const m = NATIVE.exec(name);
  return m ? { abi: m[1]!, name: m[2]! } : undefined;
}

/** The kind of code `head` (an entry's first bytes) starts with, if any. */
export function codeKind(head: Uint8Array): VetCode['embedded'][number]['kind'] | undefined {
  const at = (i: number, ...b: number[]) => b.every((x, j) => head[i + j] === x);
  if (at(0, 0x64, 0x65, 0x78, 0x0a)) return 'dex'; // "dex\n"
  if (at(0, 0x7f, 0x45, 0x4c, 0x46)) return 'so'; // ELF
  if (at(0, 0x50, 0x4b, 0x03, 0x04)) return 'zip'; // refined by the caller: apk or jar by contents
  return undefined;
}

/** Entries whose first bytes are worth reading: anything not already accounted for as Android's own. */
export function mayCarryCode(name: string): boolean {
  if (isLoadedDex(name) || NATIVE.test(name)) return false;
  if (name.startsWith('META-INF/') || name === 'AndroidManifest.xml' || name === 'resources.arsc')
    return false;
  // Images, compiled XML and the like are read by Android as what they are; code hides elsewhere.
  return !/\.(png|jpg|jpeg|webp|gif|xml|arsc|ttf|otf|mp3|ogg|wav|json|txt|html|css|properties|kotlin_builtins|kotlin_module|version)$/i.test(
    name,
  );
}
