import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built executable, as a user runs it (turbo builds this package before its tests).
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('the litestage executable', () => {
  it('answers --version and --help with exit code 0', () => {
    const version = run('--version');
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: litestage');
  });

  it('prints one line to stderr and exits non-zero on an error', () => {
    const result = run('profile', 'validate', 'no-such-profile.json');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('litestage: profile not found: no-such-profile.json\n');
  });

  it('ends quietly when the reader closes its pipe early', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'task', 'export', '--task', 'synthetic', '--split', 'train', '--limit', '3000'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    // Read the first chunk, then close the pipe as `head` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
