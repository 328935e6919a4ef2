/** A throwaway self-signed certificate made by Debian's openssl (not by the code under test). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Writes DIR/key.pem and DIR/cert.pem for `names` (the first is also the CN). */
export function selfSignedCert(dir: string, names: readonly string[]): { key: string; cert: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    '/usr/bin/openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${names[0]}`,
      '-addext',
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key, cert };
}
