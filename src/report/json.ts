/** The machine-readable report: every finding, unfolded (schema/inspect-report.v1.json). */
import type { InspectReport } from './model.js';

export const renderJson = (report: InspectReport): string => `${JSON.stringify(report, null, 2)}\n`;
