import { jpegAnalyser } from '../../src/media/jpeg/index.js';
import { fuzz } from './harness.js';
import { jpegSeeds } from './seeds.js';

fuzz('jpeg', jpegAnalyser, jpegSeeds(), 'binary');
