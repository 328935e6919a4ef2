/** A zone file that is not what its format says: where in the document, and what is wrong. */
export class ZoneFileError extends Error {
  constructor(
    /** JSON path inside the zone file, e.g. 'features[2].geometry[0].horizontalProjection'. */
    readonly where: string,
    readonly what: string,
  ) {
    super(`${where || '(document)'}: ${what}`);
  }
}
