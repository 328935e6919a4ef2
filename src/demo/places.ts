/**
 * The demo's fictional survey: an inspection flight over a made-up substation ("Hollin Moor")
 * on open moorland. Plausible numbers, no real site, nothing taken from the test corpus.
 */
export const SITE = {
  name: 'Hollin Moor substation (fictional)',
  /** Where the drone hovered when it took the photo. */
  drone: { lat: 53.218514, lon: -1.743882, alt: 312.4 },
  /** Height above the take-off point. */
  relativeAlt: 48.2,
  /** Where the pilot stood: the launch point, which the SRT calls HOME. */
  operator: { lat: 53.2162, lon: -1.7479 },
  serial: '1581F4XDEMO00042',
  cameraSerial: '5YDDEMO0042C',
  captureTime: '2024:05:14 10:32:07',
} as const;
