/** Flight logs: CSV exports and DJI's own binary flight records. */
export { flightLogCsvAnalyser } from './csv.js';
export { flightRecordAnalyser } from './record.js';
export { writeFlightRecord } from './write-record.js';
