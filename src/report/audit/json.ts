/** The machine-readable audit report (schema/audit-report.v1.json). */
import type { AuditReport } from './model.js';

export const renderAuditJson = (report: AuditReport): string => `${JSON.stringify(report, null, 2)}\n`;
