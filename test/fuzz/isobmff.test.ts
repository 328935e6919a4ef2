import { isobmffAnalyser } from '../../src/media/isobmff/index.js';
import { fuzz } from './harness.js';
import { isobmffSeeds } from './seeds.js';

fuzz('isobmff', isobmffAnalyser, isobmffSeeds(), 'binary');
