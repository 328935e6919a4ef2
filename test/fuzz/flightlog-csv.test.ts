import { flightLogCsvAnalyser } from '../../src/media/flightlog/index.js';
import { fuzz } from './harness.js';
import { csvSeeds } from './seeds.js';

fuzz('flightlog-csv', flightLogCsvAnalyser, csvSeeds(), 'text');
