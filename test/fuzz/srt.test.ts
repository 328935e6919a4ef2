import { srtAnalyser } from '../../src/media/srt/index.js';
import { fuzz } from './harness.js';
import { srtSeeds } from './seeds.js';

fuzz('srt', srtAnalyser, srtSeeds(), 'text');
