import { tiffAnalyser } from '../../src/media/tiff/index.js';
import { fuzz } from './harness.js';
import { tiffSeeds } from './seeds.js';

fuzz('tiff', tiffAnalyser, tiffSeeds(), 'binary');
