#!/usr/bin/env node
// Writes src/version.ts from the package.json of the current folder, so a package reports
// the version it was published as instead of a string typed into the code. Run by the
// package's build; the file is committed and a test checks it against package.json.
//
//   node ../../scripts/write-version.mjs SEARCH_VERSION   (the constant's name)
import { readFileSync, writeFileSync } from 'node:fs';

const constant = process.argv[2];
if (!/^[A-Z][A-Z0-9_]*$/.test(constant ?? '')) {
  console.error('usage: write-version.mjs CONSTANT_NAME');
  process.exit(1);
}
const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const text = `// Generated from package.json by scripts/write-version.mjs; do not edit.\n\n/** The version of ${name}. */\nexport const ${constant} = '${version}';\n`;
let current = '';
try {
  current = readFileSync('src/version.ts', 'utf8');
} catch {}
if (current !== text) writeFileSync('src/version.ts', text);
