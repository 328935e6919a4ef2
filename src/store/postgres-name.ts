/** What the policy and messages need of a PostgreSQL store without loading the driver (postgres.ts). */

/** A schema name Airlock creates and quotes: lower-case letters, digits and '_', as PostgreSQL folds them, at most 63 bytes. */
export const POSTGRES_SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The URL as messages show it: the password never printed. */
export function redactedUrl(url: string): string {
  return url
    .replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/, '$1:***@')
    .replace(/([?&]password=)[^&]*/gi, '$1***');
}
