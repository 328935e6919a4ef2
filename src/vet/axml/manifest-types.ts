/** The manifest model: what an AndroidManifest.xml says an app is and may do. */
import type { Warning } from '../../findings/model.js';

/** An unresolved resource reference, as binary XML stores it: '@0x7f0b0001'. */
export type Ref = `@0x${string}`;

export interface UsesPermission {
  name: string;
  maxSdkVersion?: number;
  /** Why aapt (and Android) add this permission the manifest does not name, e.g. 'targetSdkVersion < 4'. */
  implied?: string;
  /** From <uses-permission-sdk-23> (or -sdk-m): requested only on Android 6.0 and later. */
  sdk23?: true;
  /** android:required="false" (aapt's optional-permission). */
  optional?: true;
}

export interface DeclaredPermission {
  name: string;
  /** The protectionLevel integer (0 normal when absent), and its names: 'signature|privileged'. */
  protectionLevel: number;
  protection: string;
}

export type ComponentKind = 'activity' | 'activity-alias' | 'service' | 'receiver' | 'provider';

export interface Component {
  kind: ComponentKind;
  /** Fully qualified class name ('.Foo' resolved against the package). */
  name: string;
  /** What Android decides: the declared value, else the default for the kind and target SDK. */
  exported: boolean;
  exportedExplicit: boolean;
  permission?: string;
  /** Provider only. */
  readPermission?: string;
  writePermission?: string;
  authorities?: string;
  /** Activity-alias only: the activity it points at. */
  targetActivity?: string;
  enabled: boolean;
  /** Every <action android:name> of every intent filter, in order. */
  actions: string[];
  categories: string[];
  intentFilters: number;
}

export interface Application {
  name?: string;
  label?: string | Ref;
  debuggable: boolean | Ref;
  allowBackup: boolean | Ref;
  usesCleartextTraffic: boolean | Ref;
  /** The network security config XML (res/xml/…), by resource ID. */
  networkSecurityConfig?: number;
  testOnly: boolean;
  /** Fields above that hold Android's default because the manifest does not set them. */
  defaulted: string[];
}

export interface UsesFeature {
  name?: string;
  glEsVersion?: number;
  required: boolean;
}

export interface UsesLibrary {
  name: string;
  required: boolean;
}

export interface Manifest {
  package?: string;
  versionCode?: number;
  versionName?: string | Ref;
  sharedUserId?: string;
  /** As declared in <uses-sdk>; a codename (preview SDK) comes as minSdkCodename/targetSdkCodename. */
  minSdk?: number;
  minSdkCodename?: string;
  targetSdk?: number;
  targetSdkCodename?: string;
  maxSdk?: number;
  /** The target SDK Android applies: targetSdkVersion, else minSdkVersion, else 1 (10000 for a codename). */
  effectiveTargetSdk: number;
  /** In aapt dump badging's order: declared, then implied; duplicates kept as declared. */
  usesPermissions: UsesPermission[];
  permissionsDeclared: DeclaredPermission[];
  application?: Application;
  components: Component[];
  usesFeatures: UsesFeature[];
  usesLibraries: UsesLibrary[];
  warnings: Warning[];
}
