// Generated from package.json by scripts/write-version.mjs; do not edit.

/** The version of @litestage/search. */
export const SEARCH_VERSION = '0.0.0';
