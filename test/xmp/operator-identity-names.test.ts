/**
 * What an XMP property's name says, in any namespace: a home, take-off, launch, remote-controller,
 * base- or ground-station coordinate is the operator's position, a serial is the device's, a
 * name or an e-mail is a person's; Pix4D's Camera namespace is calibration only for the fields
 * Pix4D specifies. The mapping profile keeps the drone's position, attitude and calibration, so a
 * value filed under one of those leaks. Each sidecar is read by ExifTool (the oracle) before, so
 * the test plants what a real reader sees, and after the rewrite: the planted secrets are gone
 * from the bytes and what mapping keeps is still read, exactly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../src/core/source.js';
import { categoryOf } from '../../src/media/xmp/categories.js';
import { xmpRewriter } from '../../src/media/xmp/rewrite.js';
import { parsePolicy } from '../../src/policy/index.js';
import { decideFor } from '../../src/scrub/plan.js';
import type { Decide } from '../../src/scrub/types.js';
import { exiftoolJson } from '../helpers/exiftool.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-s24-xmp-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MAPPING = decideFor(parsePolicy('profile: mapping\n', 'mapping.yaml'));

/** The packet as ExifTool reads it, rewritten under `decide`: ExifTool's record of each, and the clean bytes. */
function scrubbed(name: string, packet: string, decide: Decide) {
  const before = join(dir, `${name}.xmp`);
  writeFileSync(before, packet);
  const out = Buffer.from(xmpRewriter.rewrite(new BufferSource(Buffer.from(packet)), decide).bytes);
  const after = join(dir, `${name}-clean.xmp`);
  writeFileSync(after, out);
  const [was = {}, now = {}] = exiftoolJson([before, after]);
  return { was, now, out };
}

const sidecar = (namespaces: string, attrs: string[], body: string[] = []): string =>
  [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    `<rdf:Description rdf:about="" ${namespaces}`,
    ...attrs.map((a) => ` ${a}`),
    body.length > 0 ? '>' : '/>',
    ...body,
    ...(body.length > 0 ? ['</rdf:Description>'] : []),
    '</rdf:RDF></x:xmpmeta>',
    '<?xpacket end="w"?>',
    '',
  ].join('\n');

const NS_DJI = 'xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"';
const NS_ACME = 'xmlns:drone-acme="http://www.acme-drones.example/drone-acme/1.0/"';
const NS_PIX4D = 'xmlns:Camera="http://pix4d.com/camera/1.0/"';

/** ExifTool's tag (it capitalises the first letter) → the planted value. */
type Planted = Record<string, string | number>;
const attrsOf = (prefix: string, planted: Planted): string[] =>
  Object.entries(planted).map(([k, v]) => `${prefix}:${k}="${v}"`);

describe('a drone maker namespace under the mapping profile (QA D3)', () => {
  // The aircraft's own position, DJI's and the maker's: mapping keeps it exactly.
  const DJI: Planted = { GpsLatitude: 52.371234, GpsLongitude: 4.912345, AbsoluteAltitude: 40.1 };
  const AIRCRAFT: Planted = { Latitude: 52.371111, Longitude: 4.912222 };
  // Where the operator is, named any way a maker names it.
  const OPERATOR: Planted = {
    homeLatitude: 51.911101,
    homeLongitude: 5.911101,
    LaunchLatitude: 51.922202,
    LaunchLongitude: 5.922202,
    RemoteControllerLatitude: 51.933303,
    RemoteControllerLongitude: 5.933303,
    BaseStationLatitude: 51.944404,
    BaseStationLongitude: 5.944404,
    GroundStationLatitude: 51.955505,
    GroundStationLongitude: 5.955505,
    RcLat: 51.966606,
    RcLon: 5.966606,
    HOME_ALT: 17.7707,
    'Take-offAltitude': 18.8808,
  };
  /** ExifTool's name: the first letter up, an all-capitals snake_case name in CamelCase. */
  const exiftoolName = (k: string): string =>
    `XMP-drone-acme:${k === 'HOME_ALT' ? 'HomeAlt' : `${k.charAt(0).toUpperCase()}${k.slice(1)}`}`;

  it('drops every operator coordinate; the drone position stays exact', () => {
    const packet = sidecar(`${NS_DJI} ${NS_ACME}`, [
      ...attrsOf('drone-dji', DJI),
      ...attrsOf('drone-acme', AIRCRAFT),
      ...attrsOf('drone-acme', OPERATOR),
    ]);
    const { was, now, out } = scrubbed('acme-operator', packet, MAPPING);
    for (const [k, v] of Object.entries(OPERATOR)) {
      expect(was[exiftoolName(k)], `planted ${k}`).toBe(v);
      expect(out.includes(String(v)), k).toBe(false);
      expect(now[exiftoolName(k)], k).toBeUndefined();
    }
    expect(now['XMP-drone-dji:GPSLatitude']).toBe(52.371234);
    expect(now['XMP-drone-dji:GPSLongitude']).toBe(4.912345);
    expect(now['XMP-drone-dji:AbsoluteAltitude']).toBe(40.1);
    expect(now['XMP-drone-acme:Latitude']).toBe(52.371111);
    expect(now['XMP-drone-acme:Longitude']).toBe(4.912222);
  });

  it('serials, the pilot and the account are identity: a keep glob over the namespace does not keep them', () => {
    const IDENTITY: Planted = {
      AircraftSerial: '08QDE5B0XQ2401',
      BatterySN: '3QKDE1XQ2402',
      PilotName: 'Jan XQ2403 de Vries',
      AccountEmail: 'xq2404@example.com',
      OwnerPhoneNumber: '+31 6 XQ2405',
    };
    const packet = sidecar(NS_ACME, [...attrsOf('drone-acme', IDENTITY), 'drone-acme:FlightMode="P-GPS"']);
    const keepAcme = decideFor(
      parsePolicy('profile: mapping\nmedia:\n  keep: ["drone-acme:*"]\n', 'keep-acme.yaml'),
    );
    const { was, now, out } = scrubbed('acme-identity', packet, keepAcme);
    for (const [k, v] of Object.entries(IDENTITY)) {
      expect(was[`XMP-drone-acme:${k}`], `planted ${k}`).toBe(v);
      expect(out.includes(String(v)), k).toBe(false);
    }
    // The glob does keep what is no one's identity: the test would pass for nothing otherwise.
    expect(now['XMP-drone-acme:FlightMode']).toBe('P-GPS');
  });
});

describe("Pix4D's Camera namespace under the mapping profile (QA D4)", () => {
  // Pix4D's own camera, radiometric and accuracy fields: mapping keeps them exactly.
  const CALIBRATION: Planted = {
    BandName: 'Red',
    CentralWavelength: 650,
    WavelengthFWHM: 16,
    ModelType: 'perspective',
    PrincipalPoint: '2.42299,1.850154',
    PerspectiveFocalLength: 5.5,
    PerspectiveFocalLengthUnits: 'mm',
    PerspectiveDistortion: '0.2016,-0.3585,0.2561,0.0042,0.0002',
    VignettingCenter: '645.2,484.8',
    VignettingPolynomial: '0.0001,-0.0002',
    BlackLevel: 4096,
    BandSensitivity: 0.151354,
    RigName: 'RigXQ',
    RigCameraIndex: 2,
    RigRelatives: '0.3836,-1.27665,-0.1156',
    Irradiance: 0.843361,
    IrradianceYaw: 85.3469,
    IrradiancePitch: -8.7011,
    IrradianceRoll: -2.9012,
    GPSXYAccuracy: 2.5,
    GPSZAccuracy: 4.5,
    Yaw: 12.25,
    Pitch: -89.5,
    Roll: 0.75,
  };
  const SECRETS: Planted = {
    SN: '08QDE5B0XQ2411',
    IrradianceSensorSerial: 'SQ-0AXDE2BXQ2412',
    OwnerName: 'Jan XQ2413 de Vries',
    OperatorEmail: 'xq2414@example.com',
    LaunchLatitude: 51.911411,
    LaunchLongitude: 5.911411,
    // Not a Pix4D field: whatever it holds, it is no calibration.
    Notes: 'Field XQ2415 behind the farm',
  };

  it('keeps the calibration fields; drops serials, names, e-mails and the launch, home and controller points', () => {
    const packet = sidecar(NS_PIX4D, attrsOf('Camera', { ...CALIBRATION, ...SECRETS }), [
      '<Camera:Home rdf:parseType="Resource"><Camera:Lat>51.922412</Camera:Lat><Camera:Lon>5.922412</Camera:Lon></Camera:Home>',
      '<Camera:Controller><rdf:Description Camera:Latitude="51.933413" Camera:Longitude="5.933413"/></Camera:Controller>',
    ]);
    const { was, now, out } = scrubbed('pix4d', packet, MAPPING);
    const exiftoolName = (k: string) => (k === 'SN' ? 'XMP-Camera:Sn' : `XMP-Camera:${k}`);
    const planted: Planted = {
      ...SECRETS,
      HomeLat: 51.922412,
      HomeLon: 5.922412,
      ControllerLatitude: 51.933413,
      ControllerLongitude: 5.933413,
    };
    for (const [k, v] of Object.entries(planted)) {
      expect(was[exiftoolName(k)], `planted ${k}`).toBe(v);
      expect(out.includes(String(v)), k).toBe(false);
      expect(now[exiftoolName(k)], k).toBeUndefined();
    }
    for (const [k, v] of Object.entries(CALIBRATION)) {
      expect(was[`XMP-Camera:${k}`], `planted ${k}`).toBe(v);
      expect(now[`XMP-Camera:${k}`], k).toBe(v);
    }
  });
});

describe('categories by name, in any namespace', () => {
  it("files each name where the brief says; DJI's own tags are as before", () => {
    const want: [string, string][] = [
      ['drone-acme:homeLatitude', 'location.operator'],
      ['drone-acme:TAKEOFF_LAT', 'location.operator'],
      ['drone-acme:Take-offAltitude', 'location.operator'],
      ['drone-acme:LaunchLongitude', 'location.operator'],
      ['drone-acme:RemoteControllerLatitude', 'location.operator'],
      ['drone-acme:RCLongitude', 'location.operator'],
      ['drone-acme:PilotLatitude', 'location.operator'],
      ['drone-acme:OperatorLongitude', 'location.operator'],
      ['drone-acme:BaseStationLatitude', 'location.operator'],
      ['drone-acme:GroundStationLongitude', 'location.operator'],
      ['Camera:ControllerLatitude', 'location.operator'],
      ['Camera:HomeLat', 'location.operator'],
      ['drone-acme:AircraftSerial', 'identity.device'],
      ['drone-acme:BatterySN', 'identity.device'],
      ['drone-acme:GimbalSerialNo', 'identity.device'],
      ['drone-acme:FlightUUID', 'identity.device'],
      ['drone-acme:RemoteDeviceID', 'identity.device'],
      ['Camera:SN', 'identity.device'],
      ['Camera:IrradianceSensorSerial', 'identity.device'],
      ['drone-acme:PilotName', 'identity.person'],
      ['drone-acme:AccountEmail', 'identity.person'],
      ['drone-acme:UserAccount', 'identity.person'],
      ['Camera:OwnerName', 'identity.person'],
      ['Camera:OperatorEmail', 'identity.person'],
      ['Camera:BandName', 'camera.calibration'],
      ['Camera:PerspectiveDistortion', 'camera.calibration'],
      ['Camera:IrradianceYaw', 'camera.calibration'],
      ['Camera:Yaw', 'attitude'],
      ['Camera:GPSLatitude', 'other'],
      ['Camera:Notes', 'other'],
      // A point no name says is the aircraft's (a target, a waypoint) keeps nothing exact.
      ['drone-acme:TargetLatitude', 'other'],
      ['drone-acme:SourceLatitude', 'other'],
      ['drone-acme:Latitude', 'location.drone'],
      ['drone-acme:SNR', 'other'],
      ['exif:UserComment', 'other'],
      // DJI's real tags, unchanged.
      ['drone-dji:GpsLatitude', 'location.drone'],
      ['drone-dji:GpsLongtitude', 'location.drone'],
      ['drone-dji:RelativeAltitude', 'location.drone'],
      ['drone-dji:Latitude', 'location.drone'],
      ['drone-dji:HomeLatitude', 'location.operator'],
      ['drone-dji:LRFTargetLat', 'location.target'],
      ['drone-dji:DroneSerialNumber', 'identity.device'],
      ['drone-dji:CaptureUUID', 'identity.device'],
      ['drone-dji:NTRIPHost', 'infrastructure'],
      ['drone-dji:GimbalYawDegree', 'attitude'],
      ['drone-dji:FlightXSpeed', 'attitude'],
      ['drone-dji:DewarpData', 'camera.calibration'],
      ['drone-dji:CalibratedOpticalCenterX', 'camera.calibration'],
      ['drone-dji:UTCAtExposure', 'time'],
      ['drone-dji:RtkStdLat', 'other'],
    ];
    expect(want.map(([tag]) => [tag, categoryOf(tag)])).toEqual(want);
  });
});
