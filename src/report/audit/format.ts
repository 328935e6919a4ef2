/** Small shared wordings of the audit renderers (plain text; each medium escapes it). */
import type { DestinationReport, WindowCheck } from './model.js';

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
  // An unheard connection beside others is named, so the count adds up to the connections.
  const also = o.kind !== 'mixed' && o.kind !== 'unheard' && o.unheard ? `, ${o.unheard} unheard` : '';
  switch (o.kind) {
    case 'allowed':
      return `allowed${also}`;
    case 'blocked':
      return `blocked at connect${also}`;
    case 'cut':
      return `cut after ${o.cutAfterBytes} bytes${also}`;
    case 'unheard':
      return 'unheard (no head came)';
    case 'mixed':
      return [
        o.allowed ? `${o.allowed} allowed` : '',
        o.blocked ? `${o.blocked} blocked at connect` : '',
        o.cut ? `${o.cut} cut after ${o.cutAfterBytes} bytes` : '',
        o.unheard ? `${o.unheard} unheard` : '',
      ]
        .filter(Boolean)
        .join(', ');
  }
}

/** Why a window was not applied, in words (plain text: the detail comes from the store). */
export function windowProblemText(w: WindowCheck['unauthenticated'][number], check: WindowCheck): string {
  switch (w.problem) {
    case 'bad-mac':
      return 'its MAC does not authenticate it (forged, or edited in the database)';
    case 'no-mac':
      return 'it has no MAC (written before windows had MACs, or inserted into the database directly)';
    case 'chain-mismatch':
      return w.detail ?? 'it is not what its latest chained unlock row says (an earlier state put back?)';
    case 'unverified':
      return `it cannot be authenticated: ${check.detail ?? 'no HMAC key'}`;
  }
}
