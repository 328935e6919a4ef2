/** A DJI Mavic Pro-style SRT sidecar: per second, HOME (the pilot) and GPS (the drone), lon,lat order as DJI writes it. */
import { SITE } from './places.js';

const time = (s: number): string => `00:00:${String(s).padStart(2, '0')},000`;

export function demoSrt(frames = 5): string {
  const cues: string[] = [];
  for (let i = 0; i < frames; i++) {
    // The drone drifts north-east a few metres a second; HOME stays where the pilot stands.
    const lat = (SITE.drone.lat + i * 0.00003).toFixed(6);
    const lon = (SITE.drone.lon + i * 0.00004).toFixed(6);
    cues.push(
      [
        String(i + 1),
        `${time(i)} --> ${time(i + 1)}`,
        `HOME(${SITE.operator.lon.toFixed(4)},${SITE.operator.lat.toFixed(4)}) 2024.05.14 10:31:${String(40 + i).padStart(2, '0')}`,
        `GPS(${lon},${lat},${Math.round(SITE.relativeAlt)}) BAROMETER:${SITE.relativeAlt.toFixed(1)}`,
        'ISO:100 Shutter:500 EV:0 Fnum:2.8',
        '',
      ].join('\n'),
    );
  }
  return `${cues.join('\n')}\n`;
}
