/** Small shared wordings of the audit renderers (plain text; each medium escapes it). */
import type { DestinationReport } from './model.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * 'name (sni)' or the address when there is no name; ECH says the real name is hidden; forward-proxy
 * requests say which proxy they went through.
 */
export function destinationLabel(d: DestinationReport): string {
  const who = d.name ?? (d.ips.length === 1 ? d.ips[0]! : `${d.ips.length} addresses`);
  const how = d.name === null ? '' : ` (${d.nameSources.join('+')})`;
  return `${who}${how}${d.echInnerHidden ? ' [ECH: inner name hidden]' : ''}${proxyLabel(d)}`;
}

/** ' [via proxy 192.168.77.1:3128]', with how many of the connections when not all. */
function proxyLabel(d: DestinationReport): string {
  const v = d.viaProxy;
  if (!v) return '';
  const some = v.connections === d.connections ? '' : `${v.connections} of ${d.connections} `;
  return ` [${some}via proxy ${v.proxies.join(', ')}]`;
}

export function purposeLabel(d: DestinationReport): string {
  return d.catalog ? d.catalog.purposes.join(', ') : 'unknown';
}

export function outcomeLabel(d: DestinationReport): string {
  const o = d.outcome;
  switch (o.kind) {
    case 'allowed':
      return 'allowed';
    case 'blocked':
      return 'blocked at connect';
    case 'cut':
      return `cut after ${o.cutAfterBytes} bytes`;
    case 'mixed':
      return [
        o.allowed ? `${o.allowed} allowed` : '',
        o.blocked ? `${o.blocked} blocked at connect` : '',
        o.cut ? `${o.cut} cut after ${o.cutAfterBytes} bytes` : '',
      ]
        .filter(Boolean)
        .join(', ');
  }
}
