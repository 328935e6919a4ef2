/** The XMP a DJI aircraft writes into its stills (drone-dji namespace), with the demo's fictional values. */
import { SITE } from './places.js';

/** DJI's misspelt GpsLongtitude is written on purpose: real files carry it, and tools that look only for GpsLongitude miss it. */
export function demoXmp(): string {
  const d = SITE.drone;
  return `<?xpacket begin="\u{feff}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="DJI Meta Data"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"
   tiff:Make="DJI"
   tiff:Model="FC3411"
   drone-dji:AbsoluteAltitude="+${d.alt.toFixed(2)}"
   drone-dji:RelativeAltitude="+${SITE.relativeAlt.toFixed(2)}"
   drone-dji:GpsLatitude="${d.lat.toFixed(7)}"
   drone-dji:GpsLongtitude="${d.lon.toFixed(7)}"
   drone-dji:GimbalYawDegree="+38.40"
   drone-dji:GimbalPitchDegree="-52.10"
   drone-dji:FlightYawDegree="+37.90"
   drone-dji:DroneSerialNumber="${SITE.serial}"
   drone-dji:CameraSerialNumber="${SITE.cameraSerial}"/>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}
