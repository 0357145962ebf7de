// Converts the committed Hugging Face checkpoint into dist/bundle with the project's own
// converter, exactly as `litestage convert weights --out dist/bundle` would. Run by this
// package's build; turbo caches the result, so it only reruns when the weights change.
import { rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { convertCheckpoint } from '@litestage/model/node';

const weights = fileURLToPath(new URL('../weights/', import.meta.url));
const out = fileURLToPath(new URL('../dist/bundle', import.meta.url));
await stat(weights);
await rm(out, { recursive: true, force: true });
const manifest = await convertCheckpoint({ input: weights, out, name: 'litestage-demo-reasoner' });
console.log(`demo bundle: ${out} (${manifest.numLayers} layers, ${manifest.fingerprint})`);
