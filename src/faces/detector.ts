/**
 * The face detector: SSD MobileNet v1 trained on WIDER FACE, as shipped (weights included) in the
 * @vladmandic/face-api package, run by TensorFlow.js on its WebAssembly backend: no native
 * build, no download at install or at run time, the same answers on every machine. Loaded on
 * first use (≈ 1.5 s), once per thread; its WebAssembly heap grows to ≈ 300 MB on a 12 MP still
 * and stays there (README, bench:faces).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Raster } from './decode.js';
import { type Detection, mergeDetections, type ScanPlan } from './scan.js';

/** Below this confidence a detection is not reported (face-api's own default for this model). */
export const MIN_CONFIDENCE = 0.5;
/**
 * Boxes narrower or shorter than this, in the pixels the detector saw, are noise: at that size
 * the model finds "faces" in textures (a 7×13 box on scikit-image's motorcycle), and the smallest
 * real faces it finds measure about 14×21.
 */
export const MIN_SIDE = 12;
/** At most this many faces per tile: a crowd beyond it withholds the picture all the same. */
const MAX_PER_TILE = 100;

// The parts of face-api and TensorFlow.js used here (their own typings pull in DOM types).
interface Tensor {
  dispose(): void;
}
interface Tf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor3d(data: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
  slice(t: Tensor, begin: number[], size: number[]): Tensor;
}
interface FoundBox {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}
interface FaceApi {
  tf: Tf;
  nets: {
    ssdMobilenetv1: {
      loadFromDisk(dir: string): Promise<void>;
      locateFaces(input: Tensor, opts: { minConfidence: number; maxResults: number }): Promise<FoundBox[]>;
    };
  };
}

let loading: Promise<FaceApi> | undefined;
/** Detections run one at a time: the backend is one engine per thread. */
let queue: Promise<unknown> = Promise.resolve();

function load(): Promise<FaceApi> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const api = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    await api.tf.setBackend('wasm');
    await api.tf.ready();
    const model = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await api.nets.ssdMobilenetv1.loadFromDisk(model);
    return api;
  })();
  return loading;
}

/**
 * Faces in a decoded picture, in the scaled picture's pixels, one per face. `plan` says where to
 * look; `raster` is the picture at the plan's scale.
 */
export function detectFaces(raster: Raster, plan: ScanPlan): Promise<Detection[]> {
  const run = queue.then(() => scan(raster, plan));
  queue = run.catch(() => undefined);
  return run;
}

async function scan(raster: Raster, plan: ScanPlan): Promise<Detection[]> {
  const api = await load();
  const { tf } = api;
  const whole = tf.tensor3d(raster.rgb, [raster.height, raster.width, 3], 'int32');
  const found: Detection[] = [];
  try {
    for (const t of plan.tiles) {
      const tile =
        t.width === raster.width && t.height === raster.height
          ? whole
          : tf.slice(whole, [t.y, t.x, 0], [t.height, t.width, 3]);
      try {
        const boxes = await api.nets.ssdMobilenetv1.locateFaces(tile, {
          minConfidence: MIN_CONFIDENCE,
          maxResults: MAX_PER_TILE,
        });
        for (const b of boxes) {
          if (b.box.width < MIN_SIDE || b.box.height < MIN_SIDE) continue;
          found.push({
            x: b.box.x + t.x,
            y: b.box.y + t.y,
            width: b.box.width,
            height: b.box.height,
            score: b.score,
          });
        }
      } finally {
        if (tile !== whole) tile.dispose();
      }
    }
  } finally {
    whole.dispose();
  }
  return mergeDetections(found);
}
