// Regenerates profile.schema.json from the zod source (run after `pnpm build`):
//   pnpm --filter @litestage/profile generate:schema
import { rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { profileJsonSchema } from '../dist/index.js';

const target = fileURLToPath(new URL('../profile.schema.json', import.meta.url));
const temporary = `${target}.tmp`;
await writeFile(temporary, `${JSON.stringify(profileJsonSchema(), null, 2)}\n`);
await rename(temporary, target);
console.log(`wrote ${target}`);
