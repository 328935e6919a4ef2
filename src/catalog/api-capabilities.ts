/**
 * Android and Java APIs whose use says what an app can do, matched against the method references
 * in its DEX files (a reference means the code can call it; whether it does at run time is not
 * knowable from the file). The classes and methods are Android's public API
 * (https://developer.android.com/reference); the choice of which matter is Airlock's: what would
 * let an app leave the policy's sight (load code it did not ship, update itself) or reach the
 * data a drone programme guards (location, camera, microphone, device identity).
 */

export const CAPABILITIES = [
  'dynamic-code', // loads code it did not ship: what was vetted is not what runs
  'install-packages', // installs or updates APKs itself (self-update outside the store)
  'native-code', // loads native libraries (not readable here)
  'process-exec', // runs shell commands
  'location',
  'camera',
  'microphone',
  'device-identifiers', // IMEI, subscriber id, MAC, Bluetooth address, serial
  'installed-apps', // lists the other apps on the device
  'clipboard',
  'accounts',
  'sms',
  'webview-bridge', // exposes Java objects to JavaScript in a WebView
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const CAPABILITY_LABELS: Record<Capability, string> = {
  'dynamic-code': 'loads code at run time that was not in the vetted release',
  'install-packages': 'installs or updates APKs itself',
  'native-code': 'loads native libraries',
  'process-exec': 'runs shell commands',
  location: 'reads the device position',
  camera: 'opens the camera',
  microphone: 'records audio',
  'device-identifiers': 'reads device identifiers (IMEI, subscriber id, MAC, serial)',
  'installed-apps': 'lists installed apps',
  clipboard: 'reads the clipboard',
  accounts: 'lists accounts on the device',
  sms: 'sends SMS',
  'webview-bridge': 'exposes app code to web pages (addJavascriptInterface)',
};

/** A method reference as a DEX names it: class descriptor and method name ('*': any method). */
export interface ApiSignature {
  cls: string;
  name: string;
  capability: Capability;
}

const api = (capability: Capability, cls: string, ...names: string[]): ApiSignature[] =>
  names.map((name) => ({ cls, name, capability }));

export const API_SIGNATURES: readonly ApiSignature[] = [
  ...api('dynamic-code', 'Ldalvik/system/DexClassLoader;', '<init>'),
  ...api('dynamic-code', 'Ldalvik/system/PathClassLoader;', '<init>'),
  ...api('dynamic-code', 'Ldalvik/system/InMemoryDexClassLoader;', '<init>'),
  ...api('dynamic-code', 'Ldalvik/system/DexFile;', 'loadDex', '<init>'),
  ...api('install-packages', 'Landroid/content/pm/PackageInstaller;', 'createSession'),
  ...api('install-packages', 'Landroid/content/pm/PackageInstaller$Session;', 'commit'),
  ...api('native-code', 'Ljava/lang/System;', 'loadLibrary', 'load'),
  ...api('native-code', 'Ljava/lang/Runtime;', 'loadLibrary', 'load'),
  ...api('process-exec', 'Ljava/lang/Runtime;', 'exec'),
  ...api('process-exec', 'Ljava/lang/ProcessBuilder;', 'start'),
  ...api(
    'location',
    'Landroid/location/LocationManager;',
    'requestLocationUpdates',
    'getLastKnownLocation',
    'requestSingleUpdate',
    'getCurrentLocation',
  ),
  ...api(
    'location',
    'Lcom/google/android/gms/location/FusedLocationProviderClient;',
    'requestLocationUpdates',
    'getLastLocation',
    'getCurrentLocation',
  ),
  ...api('camera', 'Landroid/hardware/Camera;', 'open'),
  ...api('camera', 'Landroid/hardware/camera2/CameraManager;', 'openCamera'),
  ...api('microphone', 'Landroid/media/AudioRecord;', 'startRecording'),
  ...api('microphone', 'Landroid/media/MediaRecorder;', 'setAudioSource'),
  ...api(
    'device-identifiers',
    'Landroid/telephony/TelephonyManager;',
    'getDeviceId',
    'getImei',
    'getMeid',
    'getSubscriberId',
    'getSimSerialNumber',
    'getLine1Number',
  ),
  ...api('device-identifiers', 'Landroid/net/wifi/WifiInfo;', 'getMacAddress'),
  ...api('device-identifiers', 'Landroid/bluetooth/BluetoothAdapter;', 'getAddress'),
  ...api('device-identifiers', 'Landroid/os/Build;', 'getSerial'),
  ...api(
    'installed-apps',
    'Landroid/content/pm/PackageManager;',
    'getInstalledPackages',
    'getInstalledApplications',
  ),
  ...api('clipboard', 'Landroid/content/ClipboardManager;', 'getPrimaryClip'),
  ...api('accounts', 'Landroid/accounts/AccountManager;', 'getAccounts', 'getAccountsByType'),
  ...api(
    'sms',
    'Landroid/telephony/SmsManager;',
    'sendTextMessage',
    'sendMultipartTextMessage',
    'sendDataMessage',
  ),
  ...api('webview-bridge', 'Landroid/webkit/WebView;', 'addJavascriptInterface'),
];

/**
 * Strings in the code that name an install: the APK MIME type an installer intent carries and the
 * install action. Found among DEX strings, they are evidence of 'install-packages'.
 */
export const INSTALL_STRINGS: readonly string[] = [
  'application/vnd.android.package-archive',
  'android.intent.action.INSTALL_PACKAGE',
];
