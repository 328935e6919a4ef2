/**
 * The few HTTP responses the proxy writes itself: short, closing, with the stable reason code in
 * a header so a tablet's user (or a test) sees why without reading the log.
 */
const STATUS_TEXT: Record<number, string> = {
  200: 'Connection established',
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/** A complete response that closes the connection; `reason` is a stable code, `detail` one line. */
export function proxyResponse(status: number, reason: string, detail: string): Uint8Array {
  const body = `airlock: ${detail.replace(/[\r\n]+/g, ' ')}\n`;
  const head = [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`,
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Airlock-Reason: ${reason.replace(/[^\x21-\x7e]/g, '')}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return Buffer.from(head + body, 'utf8');
}

/** The CONNECT answer once the upstream connection is up. */
export const CONNECT_ESTABLISHED: Uint8Array = Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n');
