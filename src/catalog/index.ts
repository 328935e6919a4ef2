/** The destination catalog: vendor endpoints by purpose, each with its public source. */
export { CATALOG } from './entries.js';
export { lookup } from './lookup.js';
export { type CatalogEntry, type CatalogSource, PURPOSES, type Purpose, type SourceKind } from './types.js';
