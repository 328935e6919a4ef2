/**
 * The destination catalog shipped with Airlock: data, not code. Labels, not proof: a host may
 * serve several purposes (mydjiflight.dji.com serves firmware AND takes flight records), which
 * is why the gateway's budgets, not these labels, stop uploads.
 *
 * Add an entry only with a public source. Kinds: 'audit' (a published security analysis),
 * 'vendor-docs' (the vendor's own pages or published code), 'decompiled-code' (strings read from
 * a decompiled app, as published by third parties).
 */
import type { CatalogEntry } from './types.js';

const SYNACKTIV_2020: CatalogEntry['sources'][number] = {
  kind: 'audit',
  ref: 'Synacktiv, "DJI Android GO 4 application security analysis" (July 2020), as reported in https://en.secnews.gr/256942/sfalmata-asfaleias-epireazoun-drones-tis-kinezikis-dji/',
  note: 'the app checks https://service-adhoc.dji.com/app/upgrade/public/check and installs the APK it is given, outside Google Play',
};

export const CATALOG: readonly CatalogEntry[] = [
  {
    host: 'mydjiflight.dji.com',
    purposes: ['flight-record-sync', 'firmware'],
    vendor: 'DJI',
    label: 'DJI account/flight-record API (api/v2/flight_log) and firmware downloads (/getfile/)',
    evidence: 'host',
    sources: [
      {
        kind: 'decompiled-code',
        ref: 'DJI GO (Android) smali published on GitHub: const-string "https://mydjiflight.dji.com/api/v2/flight_log/profile?user_id="',
        note: 'flight-log API base https://mydjiflight.dji.com/api/v2/',
      },
      {
        kind: 'decompiled-code',
        ref: 'DJI Assistant 2 libDJIUavService.dylib (DJIServerApi) paths, as published on GitHub',
        note: 'firmware download paths /getfile/getallfile, /getfile/download, /getfile/firmware on mydjiflight.dji.com',
      },
    ],
  },
  {
    host: 'flysafe-api.dji.com',
    purposes: ['geofence'],
    vendor: 'DJI',
    label: 'DJI FlySafe: geofence database downloads and zone unlock licences',
    evidence: 'host',
    sources: [
      {
        kind: 'decompiled-code',
        ref: 'DJI app class com.dji.api.protocol.IFlyForbidHttpApi (decompiled, published on GitHub)',
        note: 'DOMAIN = "https://flysafe-api.dji.com" with api/v3/geofence/app_static_data and api/v3/geofence_unlock/* endpoints',
      },
      {
        kind: 'decompiled-code',
        ref: 'DJI Mobile SDK class dji.midware.sdk.DataUpgradeServerAdapter (decompiled, published on GitHub)',
        note: 'serverAdr = "https://flysafe-api.dji.com"; geofence database downloads',
      },
    ],
  },
  {
    host: 'service-adhoc.dji.com',
    purposes: ['app-self-update'],
    vendor: 'DJI',
    label: 'DJI app distribution and forced self-update outside the app stores',
    evidence: 'host',
    sources: [
      SYNACKTIV_2020,
      {
        kind: 'vendor-docs',
        ref: 'https://www.dji.com/downloads/djiapp/tello',
        note: "DJI's download centre links Android APKs at https://service-adhoc.dji.com/download/app/android/…",
      },
    ],
  },
  {
    host: 'adhoc.djiservice.org',
    purposes: ['app-self-update'],
    vendor: 'DJI',
    label: 'DJI GO auto-upgrade endpoint',
    evidence: 'host',
    sources: [
      {
        kind: 'decompiled-code',
        ref: 'DJI GO (Android) smali published on GitHub',
        note: 'const "https://adhoc.djiservice.org/api/v1/go/auto_upgrade"',
      },
    ],
  },
  {
    host: 'statistical-report.djiservice.org',
    purposes: ['analytics'],
    vendor: 'DJI',
    label: 'DJI app and SDK usage reporting',
    evidence: 'host',
    sources: [
      {
        kind: 'decompiled-code',
        ref: 'DJI GO (Android) class com.dji.a.b, decompiled and published on GitHub',
        note: 'getEventReportUrl() returns https://statistical-report.djiservice.org/api/report/clientContext',
      },
      {
        kind: 'vendor-docs',
        ref: 'https://github.com/dji-sdk/FlightRecordParsingLib/blob/master/dji-flightrecord-kit/source/FlightRecordStandardization/parser/imp/fr_standardization_parser_Imp.cpp',
        note: 'the parser posts usage reports to https://statistical-report.djiservice.org/api/report/web',
      },
    ],
  },
  {
    host: 'dev.dji.com',
    purposes: ['flight-record-sync'],
    vendor: 'DJI',
    label: 'DJI flight-record keychain API: v13+ flight records are decrypted with keys fetched here',
    evidence: 'host',
    sources: [
      {
        kind: 'vendor-docs',
        ref: 'https://github.com/dji-sdk/FlightRecordParsingLib/blob/master/dji-flightrecord-kit/source/FlightRecordStandardization/parser/imp/fr_standardization_parser_Imp.cpp',
        note: "posts the record's key material to https://dev.dji.com/openapi/v1/flight-records/keychains",
      },
    ],
  },
  {
    host: '*.skypixel.com',
    purposes: ['media-sharing'],
    vendor: 'DJI (SkyPixel)',
    label: "SkyPixel, DJI's photo and video sharing platform",
    evidence: 'service',
    sources: [
      {
        kind: 'vendor-docs',
        ref: 'https://www.dji.com/newsroom/news/dji-enhances-software-security-in-its-flight-control-apps',
        note: "DJI GO uploads videos to DJI's SkyPixel video sharing platform (August 2017)",
      },
    ],
  },
  {
    host: '*.djicdn.com',
    purposes: ['firmware'],
    vendor: 'DJI',
    label: 'DJI download CDN (manuals, firmware, app packages)',
    evidence: 'service',
    sources: [
      {
        kind: 'vendor-docs',
        ref: 'https://dl.djicdn.com/downloads/Osmo%20Pocket/Osmo_Pocket_Controller_Wheel_Wireless_Module_Accessory_Mount_User_Guide_mul.pdf',
        note: 'DJI serves its downloads from dl.djicdn.com; firmware use is from Airlock design notes, not quoted',
      },
    ],
  },
  {
    host: 'api.share.mob.com',
    purposes: ['share-sdk', 'analytics'],
    vendor: 'MobTech (ShareSDK)',
    label: 'MobTech ShareSDK statistics/config endpoint',
    evidence: 'host',
    sources: [
      {
        kind: 'decompiled-code',
        ref: 'ShareSDK for Android cn.sharesdk.framework.statistics (decompiled, published on GitHub)',
        note: 'this.g = "http://api.share.mob.com:80" with /conn and /date requests',
      },
      {
        kind: 'audit',
        ref: 'GRIMM and Synacktiv DJI GO 4 analyses (July 2020), as reported in https://digitalinformationworld.com/2020/07/this-drone-app-has-been-collecting-sensitive-user-data-and-violates-google-play-policies.html',
        note: 'an older DJI GO 4 sent IMSI, IMEI and SIM serial to MobTech',
      },
    ],
  },
  {
    host: '*.jiguang.cn',
    purposes: ['push-sdk'],
    vendor: 'Jiguang (JPush)',
    label: 'JPush push-notification SDK',
    evidence: 'service',
    sources: [
      {
        kind: 'vendor-docs',
        ref: 'https://www.dji.com/newsroom/news/dji-enhances-software-security-in-its-flight-control-apps',
        note: 'DJI removed JPush from DJI GO/GO 4 (2017): it sent the list of installed apps to its server',
      },
    ],
  },
  {
    host: 'bugly.qq.com',
    purposes: ['crash-analytics-sdk'],
    vendor: 'Tencent (Bugly)',
    label: 'Tencent Bugly crash reporting and usage statistics',
    evidence: 'service',
    sources: [
      {
        kind: 'vendor-docs',
        ref: 'https://bugly.qq.com/v2/downloads',
        note: "Tencent's Bugly SDK: exception reporting and usage statistics",
      },
    ],
  },
];
