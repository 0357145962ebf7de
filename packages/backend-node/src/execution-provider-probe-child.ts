// Runs one probe session and prints its outcome as JSON (see `probeExecutionProvider`).
import { runProbeSession } from './execution-provider-probe.js';

const provider = process.argv[2];
if (!provider) throw new Error('usage: execution-provider-probe-child.js <provider>');
process.stdout.write(`${JSON.stringify(await runProbeSession(provider))}\n`);
