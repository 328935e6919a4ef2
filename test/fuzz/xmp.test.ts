import { xmpSidecarAnalyser } from '../../src/media/xmp/index.js';
import { fuzz } from './harness.js';
import { xmpSeeds } from './seeds.js';

fuzz('xmp', xmpSidecarAnalyser, xmpSeeds(), 'xml');
