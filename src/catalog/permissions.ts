/**
 * Android permissions that matter to a vetting: what each lets an app reach. The protection
 * levels are Android's (https://developer.android.com/reference/android/Manifest.permission, each
 * constant's "Protection level"); the grouping into what a drone programme cares about is
 * Airlock's. A permission not listed here is reported by name, without a label.
 */

/** What a permission exposes or lets the app do. */
export const PERMISSION_CONCERNS = [
  'network', // talk to the internet at all
  'location', // where the device (the operator) is
  'camera',
  'microphone',
  'contacts-accounts',
  'phone-identity', // phone number, IMEI, calls
  'sms',
  'storage-media', // photos, videos (the flight media) and files
  'nearby-devices', // Bluetooth / Wi-Fi scanning: the drone link, and other devices around
  'calendar',
  'sensors-activity',
  'install-packages', // install or update apps outside the store: self-update
  'system', // overlays, accessibility, device admin, all-files, usage stats
] as const;
export type PermissionConcern = (typeof PERMISSION_CONCERNS)[number];

export interface PermissionInfo {
  concern: PermissionConcern;
  /** Android's protection level: 'dangerous' needs the user's consent at run time. */
  protection: 'normal' | 'dangerous' | 'signature' | 'appop';
  label: string;
}

const P = 'android.permission.';

export const PERMISSIONS: ReadonlyMap<string, PermissionInfo> = new Map<string, PermissionInfo>(
  (
    [
      ['INTERNET', 'network', 'normal', 'open network sockets'],
      ['ACCESS_FINE_LOCATION', 'location', 'dangerous', 'precise location (GPS)'],
      ['ACCESS_COARSE_LOCATION', 'location', 'dangerous', 'approximate location'],
      ['ACCESS_BACKGROUND_LOCATION', 'location', 'dangerous', 'location while in the background'],
      ['ACCESS_MEDIA_LOCATION', 'location', 'dangerous', 'locations stored in photos and videos'],
      ['CAMERA', 'camera', 'dangerous', 'the camera'],
      ['RECORD_AUDIO', 'microphone', 'dangerous', 'the microphone'],
      ['READ_CONTACTS', 'contacts-accounts', 'dangerous', 'read contacts'],
      ['WRITE_CONTACTS', 'contacts-accounts', 'dangerous', 'change contacts'],
      ['GET_ACCOUNTS', 'contacts-accounts', 'dangerous', 'list accounts on the device'],
      ['READ_PHONE_STATE', 'phone-identity', 'dangerous', 'phone state and identifiers'],
      ['READ_PHONE_NUMBERS', 'phone-identity', 'dangerous', "the device's phone numbers"],
      ['CALL_PHONE', 'phone-identity', 'dangerous', 'place calls'],
      ['ANSWER_PHONE_CALLS', 'phone-identity', 'dangerous', 'answer calls'],
      ['READ_CALL_LOG', 'phone-identity', 'dangerous', 'read the call log'],
      ['WRITE_CALL_LOG', 'phone-identity', 'dangerous', 'change the call log'],
      ['PROCESS_OUTGOING_CALLS', 'phone-identity', 'dangerous', 'see outgoing calls'],
      ['ADD_VOICEMAIL', 'phone-identity', 'dangerous', 'add voicemail'],
      ['USE_SIP', 'phone-identity', 'dangerous', 'SIP calls'],
      ['SEND_SMS', 'sms', 'dangerous', 'send SMS'],
      ['RECEIVE_SMS', 'sms', 'dangerous', 'receive SMS'],
      ['READ_SMS', 'sms', 'dangerous', 'read SMS'],
      ['RECEIVE_MMS', 'sms', 'dangerous', 'receive MMS'],
      ['RECEIVE_WAP_PUSH', 'sms', 'dangerous', 'receive WAP push'],
      ['READ_EXTERNAL_STORAGE', 'storage-media', 'dangerous', 'read shared storage (photos, videos, files)'],
      ['WRITE_EXTERNAL_STORAGE', 'storage-media', 'dangerous', 'write shared storage'],
      ['READ_MEDIA_IMAGES', 'storage-media', 'dangerous', 'read photos'],
      ['READ_MEDIA_VIDEO', 'storage-media', 'dangerous', 'read videos'],
      ['READ_MEDIA_AUDIO', 'storage-media', 'dangerous', 'read audio'],
      [
        'READ_MEDIA_VISUAL_USER_SELECTED',
        'storage-media',
        'dangerous',
        'read photos and videos the user picks',
      ],
      ['MANAGE_EXTERNAL_STORAGE', 'system', 'appop', 'all files on shared storage'],
      ['BLUETOOTH_SCAN', 'nearby-devices', 'dangerous', 'scan for Bluetooth devices'],
      ['BLUETOOTH_CONNECT', 'nearby-devices', 'dangerous', 'connect to paired Bluetooth devices'],
      ['BLUETOOTH_ADVERTISE', 'nearby-devices', 'dangerous', 'advertise over Bluetooth'],
      ['NEARBY_WIFI_DEVICES', 'nearby-devices', 'dangerous', 'find nearby Wi-Fi devices'],
      ['UWB_RANGING', 'nearby-devices', 'dangerous', 'ultra-wideband ranging'],
      ['READ_CALENDAR', 'calendar', 'dangerous', 'read the calendar'],
      ['WRITE_CALENDAR', 'calendar', 'dangerous', 'change the calendar'],
      ['BODY_SENSORS', 'sensors-activity', 'dangerous', 'body sensors'],
      ['BODY_SENSORS_BACKGROUND', 'sensors-activity', 'dangerous', 'body sensors in the background'],
      ['ACTIVITY_RECOGNITION', 'sensors-activity', 'dangerous', 'physical activity'],
      [
        'REQUEST_INSTALL_PACKAGES',
        'install-packages',
        'signature',
        'ask to install APKs (self-update outside the store)',
      ],
      ['INSTALL_PACKAGES', 'install-packages', 'signature', 'install APKs silently (system apps only)'],
      ['REQUEST_DELETE_PACKAGES', 'install-packages', 'normal', 'ask to uninstall apps'],
      ['SYSTEM_ALERT_WINDOW', 'system', 'signature', 'draw over other apps'],
      ['BIND_ACCESSIBILITY_SERVICE', 'system', 'signature', 'an accessibility service (reads the screen)'],
      ['BIND_DEVICE_ADMIN', 'system', 'signature', 'device administration'],
      ['PACKAGE_USAGE_STATS', 'system', 'signature', 'which apps are used, and when'],
      ['QUERY_ALL_PACKAGES', 'system', 'normal', 'list every installed app'],
      ['WRITE_SETTINGS', 'system', 'signature', 'change system settings'],
      [
        'READ_LOGS',
        'system',
        'signature',
        "read the system log (other apps' messages; granted to system apps only)",
      ],
      ['READ_PRIVILEGED_PHONE_STATE', 'phone-identity', 'signature', 'device identifiers (system apps only)'],
    ] as const
  ).map(([name, concern, protection, label]) => [`${P}${name}`, { concern, protection, label }]),
);
