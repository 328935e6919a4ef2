/**
 * Third-party SDKs an app release may carry, recognised by the Java packages their classes live
 * in (the names an app's code must use to call them, as each vendor's integration guide shows).
 * Data, not code; labels, not proof: a package prefix says the SDK's classes are in the DEX, not
 * that the app calls them or what it sends. Each entry cites the vendor's public documentation or
 * code that names the package.
 */
import type { CatalogSource } from './types.js';

export const SDK_PURPOSES = [
  'crash-reporting',
  'analytics',
  'advertising',
  'attribution',
  'push',
  'social-share',
  'hot-patch',
  'location',
  'maps',
  'drone-vendor',
] as const;
export type SdkPurpose = (typeof SDK_PURPOSES)[number];

export interface SdkSignature {
  id: string;
  name: string;
  vendor: string;
  purposes: SdkPurpose[];
  /** Java packages (dotted) whose classes belong to the SDK; a class matches at a package boundary. */
  packages: string[];
  /** Where the vendor's documentation says the SDK sends its data, when it says. */
  hosts?: string[];
  sources: CatalogSource[];
}

const docs = (ref: string, note: string): CatalogSource => ({ kind: 'vendor-docs', ref, note });

export const SDKS: readonly SdkSignature[] = [
  {
    id: 'bugly',
    name: 'Bugly',
    vendor: 'Tencent',
    purposes: ['crash-reporting', 'analytics'],
    packages: ['com.tencent.bugly'],
    hosts: ['bugly.qq.com', '*.bugly.qq.com'],
    sources: [
      docs(
        'https://bugly.qq.com/docs/user-guide/instruction-manual-android/',
        'integration calls com.tencent.bugly.crashreport.CrashReport.initCrashReport(…)',
      ),
      docs(
        'https://github.com/BuglyDevTeam/Bugly-Android-Demo',
        "Tencent's demo app: com.tencent.bugly.Bugly / com.tencent.bugly.beta (upgrade and hot-fix)",
      ),
    ],
  },
  {
    id: 'tinker',
    name: 'Tinker',
    vendor: 'Tencent',
    purposes: ['hot-patch'],
    packages: ['com.tencent.tinker'],
    sources: [
      docs(
        'https://github.com/Tencent/tinker',
        'hot-fix framework: replaces dex, libraries and resources at run time; classes under com.tencent.tinker',
      ),
    ],
  },
  {
    id: 'sophix',
    name: 'Sophix (EMAS hot fix)',
    vendor: 'Alibaba',
    purposes: ['hot-patch'],
    packages: ['com.taobao.sophix'],
    sources: [
      docs(
        'https://help.aliyun.com/document_detail/61082.html',
        'integration uses com.taobao.sophix.SophixManager',
      ),
    ],
  },
  {
    id: 'robust',
    name: 'Robust',
    vendor: 'Meituan',
    purposes: ['hot-patch'],
    packages: ['com.meituan.robust'],
    sources: [
      docs('https://github.com/Meituan-Dianping/Robust', 'hot-fix: com.meituan.robust.PatchExecutor'),
    ],
  },
  {
    id: 'firebase-analytics',
    name: 'Google Analytics for Firebase',
    vendor: 'Google',
    purposes: ['analytics'],
    packages: ['com.google.firebase.analytics', 'com.google.android.gms.measurement'],
    sources: [
      docs(
        'https://firebase.google.com/docs/analytics/get-started?platform=android',
        'com.google.firebase.analytics.FirebaseAnalytics; measurement runs in com.google.android.gms.measurement',
      ),
    ],
  },
  {
    id: 'firebase-crashlytics',
    name: 'Firebase Crashlytics',
    vendor: 'Google',
    purposes: ['crash-reporting'],
    packages: ['com.google.firebase.crashlytics', 'com.crashlytics'],
    sources: [
      docs(
        'https://firebase.google.com/docs/crashlytics/get-started?platform=android',
        'com.google.firebase.crashlytics.FirebaseCrashlytics (Fabric-era SDK: com.crashlytics.android)',
      ),
    ],
  },
  {
    id: 'firebase-messaging',
    name: 'Firebase Cloud Messaging',
    vendor: 'Google',
    purposes: ['push'],
    packages: ['com.google.firebase.messaging'],
    sources: [
      docs(
        'https://firebase.google.com/docs/cloud-messaging/android/client',
        'com.google.firebase.messaging.FirebaseMessagingService',
      ),
    ],
  },
  {
    id: 'google-analytics',
    name: 'Google Analytics (Play services)',
    vendor: 'Google',
    purposes: ['analytics'],
    packages: ['com.google.android.gms.analytics'],
    sources: [
      docs(
        'https://developers.google.com/android/reference/com/google/android/gms/analytics/package-summary',
        'package com.google.android.gms.analytics',
      ),
    ],
  },
  {
    id: 'google-ads',
    name: 'Google Mobile Ads',
    vendor: 'Google',
    purposes: ['advertising'],
    packages: ['com.google.android.gms.ads'],
    sources: [
      docs(
        'https://developers.google.com/admob/android/quick-start',
        'com.google.android.gms.ads.MobileAds.initialize(…)',
      ),
    ],
  },
  {
    id: 'facebook',
    name: 'Facebook SDK',
    vendor: 'Meta',
    purposes: ['analytics', 'advertising', 'social-share'],
    packages: ['com.facebook.appevents', 'com.facebook.ads', 'com.facebook.share', 'com.facebook.login'],
    sources: [
      docs(
        'https://developers.facebook.com/docs/app-events/getting-started-app-events-android',
        'com.facebook.appevents.AppEventsLogger',
      ),
    ],
  },
  {
    id: 'jpush',
    name: 'JPush',
    vendor: 'Jiguang (Aurora Mobile)',
    purposes: ['push', 'analytics'],
    packages: ['cn.jpush', 'cn.jiguang'],
    hosts: ['*.jiguang.cn', '*.jpush.cn'],
    sources: [
      docs(
        'https://docs.jiguang.cn/jpush/client/Android/android_guide',
        'cn.jpush.android.api.JPushInterface.init(…); core classes under cn.jiguang',
      ),
    ],
  },
  {
    id: 'mobtech',
    name: 'MobTech ShareSDK / MobPush',
    vendor: 'MobTech',
    purposes: ['social-share', 'push', 'analytics'],
    packages: ['com.mob', 'cn.sharesdk'],
    hosts: ['*.mob.com'],
    sources: [
      docs(
        'https://www.mob.com/wiki/detailed?wiki=ShareSDK_Android_Title_ShareSDKIntegration',
        'com.mob.MobSDK.init(…); cn.sharesdk.onekeyshare.OnekeyShare',
      ),
    ],
  },
  {
    id: 'umeng',
    name: 'Umeng',
    vendor: 'Alibaba (Umeng+)',
    purposes: ['analytics', 'push', 'social-share'],
    packages: ['com.umeng'],
    sources: [
      docs(
        'https://developer.umeng.com/docs/119267/detail/118584',
        'com.umeng.commonsdk.UMConfigure.init(…)',
      ),
    ],
  },
  {
    id: 'getui',
    name: 'Getui',
    vendor: 'Getui',
    purposes: ['push', 'analytics'],
    packages: ['com.igexin'],
    sources: [
      docs('https://docs.getui.com/getui/mobile/android/androidstudio/', 'com.igexin.sdk.PushManager'),
    ],
  },
  {
    id: 'huawei-push',
    name: 'HMS Push Kit',
    vendor: 'Huawei',
    purposes: ['push'],
    packages: ['com.huawei.hms.push'],
    sources: [
      docs(
        'https://developer.huawei.com/consumer/en/doc/HMSCore-Guides/android-app-version-0000001074227861',
        'com.huawei.hms.push.HmsMessageService',
      ),
    ],
  },
  {
    id: 'xiaomi-push',
    name: 'Mi Push',
    vendor: 'Xiaomi',
    purposes: ['push'],
    packages: ['com.xiaomi.mipush'],
    sources: [
      docs(
        'https://dev.mi.com/console/doc/detail?pId=41',
        'com.xiaomi.mipush.sdk.MiPushClient.registerPush(…)',
      ),
    ],
  },
  {
    id: 'appsflyer',
    name: 'AppsFlyer',
    vendor: 'AppsFlyer',
    purposes: ['attribution', 'analytics'],
    packages: ['com.appsflyer'],
    sources: [
      docs(
        'https://dev.appsflyer.com/hc/docs/integrate-android-sdk',
        'com.appsflyer.AppsFlyerLib.getInstance()',
      ),
    ],
  },
  {
    id: 'adjust',
    name: 'Adjust',
    vendor: 'Adjust',
    purposes: ['attribution', 'analytics'],
    packages: ['com.adjust.sdk'],
    sources: [docs('https://github.com/adjust/android_sdk', 'com.adjust.sdk.Adjust.onCreate(…)')],
  },
  {
    id: 'sentry',
    name: 'Sentry',
    vendor: 'Sentry',
    purposes: ['crash-reporting'],
    packages: ['io.sentry'],
    sources: [
      docs('https://docs.sentry.io/platforms/android/', 'io.sentry.android.core.SentryAndroid.init(…)'),
    ],
  },
  {
    id: 'appcenter',
    name: 'Visual Studio App Center',
    vendor: 'Microsoft',
    purposes: ['crash-reporting', 'analytics'],
    packages: ['com.microsoft.appcenter'],
    sources: [
      docs(
        'https://learn.microsoft.com/en-us/appcenter/sdk/getting-started/android',
        'com.microsoft.appcenter.AppCenter.start(…)',
      ),
    ],
  },
  {
    id: 'onesignal',
    name: 'OneSignal',
    vendor: 'OneSignal',
    purposes: ['push', 'analytics'],
    packages: ['com.onesignal'],
    sources: [
      docs(
        'https://documentation.onesignal.com/docs/android-sdk-setup',
        'com.onesignal.OneSignal.initWithContext(…)',
      ),
    ],
  },
  {
    id: 'flurry',
    name: 'Flurry Analytics',
    vendor: 'Yahoo',
    purposes: ['analytics', 'advertising'],
    packages: ['com.flurry'],
    sources: [
      docs(
        'https://developer.yahoo.com/flurry/docs/integrateflurry/android/',
        'com.flurry.android.FlurryAgent.Builder()',
      ),
    ],
  },
  {
    id: 'amap',
    name: 'AMap (Gaode) location and maps',
    vendor: 'Alibaba (AutoNavi)',
    purposes: ['location', 'maps'],
    packages: ['com.amap.api', 'com.autonavi'],
    sources: [
      docs(
        'https://lbs.amap.com/api/android-location-sdk/guide/android-location/getlocation',
        'com.amap.api.location.AMapLocationClient',
      ),
    ],
  },
  {
    id: 'baidu-location',
    name: 'Baidu location and maps',
    vendor: 'Baidu',
    purposes: ['location', 'maps'],
    packages: ['com.baidu.location', 'com.baidu.mapapi'],
    sources: [
      docs(
        'https://lbsyun.baidu.com/faq/api?title=android-locsdk/guide/get-location/latlng',
        'com.baidu.location.LocationClient',
      ),
    ],
  },
  {
    id: 'mapbox-telemetry',
    name: 'Mapbox telemetry',
    vendor: 'Mapbox',
    purposes: ['analytics', 'location'],
    packages: ['com.mapbox.android.telemetry'],
    sources: [
      docs(
        'https://github.com/mapbox/mapbox-events-android',
        'location and usage telemetry library: com.mapbox.android.telemetry.MapboxTelemetry',
      ),
    ],
  },
  {
    id: 'dji-msdk',
    name: 'DJI Mobile SDK',
    vendor: 'DJI',
    purposes: ['drone-vendor'],
    packages: ['dji.sdk', 'dji.v5', 'dji.common'],
    sources: [
      docs(
        'https://developer.dji.com/mobile-sdk/documentation/introduction/index.html',
        'DJI Mobile SDK for Android (dji.sdk.*, MSDK v5 dji.v5.*); an app registers with DJI online (app key) before the SDK works',
      ),
    ],
  },
];

/**
 * The SDK a class (dotted or as a DEX descriptor 'Lcom/x/Y;') belongs to: the longest matching
 * package, at a package boundary ('com.mob' covers com.mob.MobSDK, not com.mobile.Foo).
 */
export function sdkOfClass(name: string, sdks: readonly SdkSignature[] = SDKS): SdkSignature | undefined {
  const dotted =
    name.startsWith('L') && name.endsWith(';')
      ? name.slice(1, -1).replaceAll('/', '.')
      : name.replaceAll('/', '.');
  let best: SdkSignature | undefined;
  let bestLen = -1;
  for (const s of sdks)
    for (const p of s.packages)
      if (p.length > bestLen && dotted.startsWith(p) && dotted.charAt(p.length) === '.') {
        best = s;
        bestLen = p.length;
      }
  return best;
}
