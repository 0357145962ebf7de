import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_VERSION, runCli } from './cli.js';
import { captureIo } from './test-utils/capture-io.js';

const FINGERPRINT = `sha256:${'0f'.repeat(32)}`;

function validProfile() {
  return {
    schemaVersion: 1,
    model: { name: 'tiny', architecture: 'llama', numLayers: 4, fingerprint: FINGERPRINT },
    task: { format: 'tinythinker', stages: ['recall', 'summarize'] },
    stages: {
      recall: { skip: ['3.ffn'], earlyExit: null, maxNewTokens: 32 },
      summarize: { skip: [], earlyExit: null, maxNewTokens: 16 },
    },
    runtime: { kvPolicy: 'reprefill', skipInPrefill: true },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'litestage-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('litestage', () => {
  it('prints help listing its subcommands', async () => {
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out()).toMatch(/^Usage: litestage \[options\] \[command\]/);
    expect(io.out()).toContain('profile');
    expect(io.err()).toBe('');
  });

  it('prints its version', async () => {
    const io = captureIo();
    expect(await runCli(['--version'], io)).toBe(0);
    expect(io.out()).toBe(`${CLI_VERSION}\n`);
    expect(CLI_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reports an unknown command on one line and exits non-zero', async () => {
    const io = captureIo();
    expect(await runCli(['frobnicate'], io)).not.toBe(0);
    expect(io.err()).toBe("litestage: unknown command 'frobnicate'\n");
  });

  it('reports an unknown option of a subcommand the same way', async () => {
    const io = captureIo();
    expect(await runCli(['profile', 'validate', '--bogus', 'x.json'], io)).not.toBe(0);
    expect(io.err()).toBe("litestage: unknown option '--bogus'\n");
  });
});

describe('litestage profile', () => {
  it('validates a good profile', async () => {
    const file = join(dir, 'good.json');
    await writeFile(file, JSON.stringify(validProfile()));
    const io = captureIo();
    expect(await runCli(['profile', 'validate', file], io)).toBe(0);
    expect(io.out()).toBe(
      `ok ${file}: tiny (4 layers), tinythinker; skipped sub-layers per stage: recall 1, summarize 0\n`,
    );
  });

  it('names the failing paths of a bad profile, without a stack trace', async () => {
    const file = join(dir, 'bad.json');
    const profile = validProfile();
    profile.stages.recall.skip = ['4.attn'];
    await writeFile(file, JSON.stringify(profile));
    const io = captureIo();
    expect(await runCli(['profile', 'validate', file], io)).toBe(1);
    expect(io.err()).toBe(
      `litestage: Invalid profile ${file} (1 problem):\n  - stages.recall.skip[0]: sub-layer "4.attn" is beyond the model's 4 layers (0..3)\n`,
    );
    expect(io.err()).not.toContain('    at ');
  });

  it('adds the stack trace with --verbose', async () => {
    const io = captureIo();
    expect(await runCli(['--verbose', 'profile', 'validate', join(dir, 'missing.json')], io)).toBe(
      1,
    );
    expect(io.err()).toMatch(/^litestage: profile not found: .*missing\.json\n/);
    expect(io.err()).toContain('    at ');
  });

  it('says a missing file is missing', async () => {
    const io = captureIo();
    expect(await runCli(['profile', 'validate', join(dir, 'missing.json')], io)).toBe(1);
    expect(io.err()).toBe(`litestage: profile not found: ${join(dir, 'missing.json')}\n`);
  });

  it('checks several files and counts the invalid ones', async () => {
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    await writeFile(good, JSON.stringify(validProfile()));
    await writeFile(bad, '{"schemaVersion": 1}');
    const io = captureIo();
    expect(await runCli(['profile', 'validate', good, bad], io)).toBe(1);
    expect(io.out()).toContain(`ok ${good}`);
    expect(io.err()).toContain(`Invalid profile ${bad}`);
    expect(io.err()).toContain('litestage: 1 of 2 profiles are invalid\n');
  });

  it('formats a profile in place, and --check tells whether it is formatted', async () => {
    const file = join(dir, 'p.json');
    const { runtime, ...rest } = validProfile();
    await writeFile(file, JSON.stringify({ runtime, ...rest }));
    const check = captureIo();
    expect(await runCli(['profile', 'format', '--check', file], check)).toBe(1);
    expect(check.err()).toBe(`litestage: ${file} is not formatted\n`);

    expect(await runCli(['profile', 'format', file], captureIo())).toBe(0);
    const text = await readFile(file, 'utf8');
    expect(Object.keys(JSON.parse(text))).toEqual([
      'schemaVersion',
      'model',
      'task',
      'stages',
      'runtime',
    ]);
    expect(await runCli(['profile', 'format', '--check', file], captureIo())).toBe(0);
  });

  it('prints the JSON Schema', async () => {
    const io = captureIo();
    expect(await runCli(['profile', 'schema'], io)).toBe(0);
    const schema = JSON.parse(io.out());
    expect(schema.required).toContain('stages');
  });
});
