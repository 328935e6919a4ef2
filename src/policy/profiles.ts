/**
 * Built-in profiles: named sets of media overrides applied over the defaults, under the file's
 * own settings (defaults ← profile ← file). Profiles touch media only.
 */
import type { DeepPartial, MediaPolicy, ProfileName } from './types.js';

export const PROFILE_MEDIA: Record<ProfileName, DeepPartial<MediaPolicy>> = {
  default: {},
  /**
   * What photogrammetry needs: exact drone position and altitudes, camera model, calibration
   * (DewarpData, CalibratedFocalLength) and gimbal angles. Device identity and the operator's
   * position still go; the target position is not needed for mapping and goes too.
   */
  mapping: {
    location: { drone: { action: 'keep' } },
    camera: { model: 'keep', calibration: 'keep' },
    attitude: 'keep',
  },
  /** Radiometric thermal data kept (DJI APP3–APP5, a FLIR FFF's thermal records); everything else as the default. */
  thermal: {
    imagery: { thermal: 'keep' },
  },
};
