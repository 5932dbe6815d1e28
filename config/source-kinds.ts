/**
 * What a source delivers: `access` events (who touched whose data), `consent` signals, or a system
 * `audit` trail. Its own module so that the parsers (which declare the kinds they read) and the
 * config loader (which validates `sources[].kind`) both import it without importing each other.
 */
export const SOURCE_KINDS = ['access', 'consent', 'audit'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
