import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The rules every workspace package follows (see DESIGN.md, "Packages"), checked on the
 * package manifests themselves so a new package cannot quietly break them.
 */

const root = new URL('..', import.meta.url).pathname;

interface Manifest {
  name: string;
  private?: boolean;
  type?: string;
  exports?: Record<string, unknown>;
  files?: string[];
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const workspaceDirs = ['packages', 'apps', 'tooling'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'package.json')),
    )
    .map((entry) => `${group}/${entry.name}`),
);

const manifests = new Map<string, Manifest>(
  workspaceDirs.map((dir) => [
    dir,
    JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')),
  ]),
);

/** Which of our packages each package may depend on at run time (DESIGN.md). */
const ownRules: Record<string, string[]> = {
  '@litestage/profile': [],
  '@litestage/sampler': [],
  '@litestage/core': ['@litestage/profile', '@litestage/sampler'],
  '@litestage/tasks': ['@litestage/core', '@litestage/profile', '@litestage/sampler'],
  // The Node entry's worker threads open their sessions through `@litestage/runtime`.
  '@litestage/search': [
    '@litestage/core',
    '@litestage/tasks',
    '@litestage/profile',
    '@litestage/sampler',
    '@litestage/runtime',
  ],
  // A search's evaluations as queue jobs: the coordinator's evaluator and the workers.
  '@litestage/search-queue': [
    '@litestage/core',
    '@litestage/profile',
    '@litestage/runtime',
    '@litestage/search',
    '@litestage/tasks',
  ],
  // Methods compared on held-out questions: engines and questions in, reports out.
  '@litestage/benchmark': ['@litestage/core', '@litestage/profile', '@litestage/tasks'],
  '@litestage/model': ['@litestage/core', '@litestage/profile'],
  // The session logic both onnxruntime backends share, over either runtime's namespace.
  '@litestage/ort-session': ['@litestage/core', '@litestage/model'],
  '@litestage/backend-node': [
    '@litestage/core',
    '@litestage/model',
    '@litestage/ort-session',
    '@litestage/profile',
  ],
  '@litestage/backend-web': [
    '@litestage/core',
    '@litestage/model',
    '@litestage/ort-session',
    '@litestage/profile',
  ],
  '@litestage/demo-model': ['@litestage/model', '@litestage/core', '@litestage/profile'],
  '@litestage/runtime': [
    '@litestage/core',
    '@litestage/model',
    '@litestage/tasks',
    '@litestage/profile',
    '@litestage/backend-node',
  ],
};
/** Which of our packages each package may depend on at run time (DESIGN.md); every package
 * may use the base error of `@litestage/errors`, which depends on none. */
const allowedInternal: Record<string, string[]> = {
  '@litestage/errors': [],
  ...Object.fromEntries(
    Object.entries(ownRules).map(([name, allowed]) => [name, [...allowed, '@litestage/errors']]),
  ),
};
const apps = new Set(['@litestage/cli', '@litestage/demo']);

function catalogNames(): Set<string> {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = yaml.split(/^catalog:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  return new Set([...block.matchAll(/^\s+"?([^":\s]+)"?:/gm)].map((match) => match[1] as string));
}

describe('workspace layout', () => {
  it('has every package of the design', () => {
    expect(workspaceDirs.sort()).toEqual(
      [
        'apps/cli',
        'apps/demo',
        'packages/backend-node',
        'packages/backend-web',
        'packages/benchmark',
        'packages/core',
        'packages/demo-model',
        'packages/errors',
        'packages/model',
        'packages/ort-session',
        'packages/profile',
        'packages/runtime',
        'packages/sampler',
        'packages/search',
        'packages/search-queue',
        'packages/tasks',
        'tooling/bench',
        'tooling/browser-test',
        'tooling/conformance',
        'tooling/fixtures',
        'tooling/tsconfig',
      ].sort(),
    );
  });
});

describe.each([...manifests])('%s', (dir, manifest) => {
  const isTsconfig = dir === 'tooling/tsconfig';

  it('is an ES module for Node >= 20 with a files whitelist', () => {
    expect(manifest.type).toBe('module');
    expect(manifest.engines?.node).toBe('>=20');
    expect(Array.isArray(manifest.files) && manifest.files.length > 0).toBe(true);
  });

  it('lists types first in its exports (the tsconfig package exports only JSON)', () => {
    if (isTsconfig) {
      const targets = Object.values(manifest.exports ?? {}) as string[];
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) expect(target).toMatch(/\.json$/);
      return;
    }
    const entry = manifest.exports?.['.'] as Record<string, string> | undefined;
    expect(entry, 'exports["."]').toBeDefined();
    expect(Object.keys(entry ?? {})[0]).toBe('types');
    expect(manifest.files).toContain('dist');
  });

  it('has a README naming the package', () => {
    const readme = readFileSync(join(root, dir, 'README.md'), 'utf8');
    expect(readme).toContain(manifest.name);
  });

  it('is private exactly when it is an app or tooling', () => {
    expect(Boolean(manifest.private)).toBe(!dir.startsWith('packages/'));
  });

  it('depends on our packages through workspace:* and in the allowed direction', () => {
    const internal = Object.entries({
      ...manifest.dependencies,
      ...manifest.peerDependencies,
    }).filter(([name]) => name.startsWith('@litestage/'));
    for (const [, range] of internal) expect(range).toBe('workspace:*');
    for (const [name, range] of Object.entries(manifest.devDependencies ?? {})) {
      if (name.startsWith('@litestage/')) expect(range).toBe('workspace:*');
    }
    if (apps.has(manifest.name) || dir.startsWith('tooling/')) return;
    const allowed = allowedInternal[manifest.name];
    expect(allowed, `no dependency rule for ${manifest.name}`).toBeDefined();
    for (const [name] of internal) expect(allowed).toContain(name);
  });

  it('takes shared versions from the catalog', () => {
    const catalog = catalogNames();
    const all = { ...manifest.dependencies, ...manifest.devDependencies };
    for (const [name, range] of Object.entries(all)) {
      if (catalog.has(name)) expect(range, name).toBe('catalog:');
    }
  });
});

/** The files under `dir` (relative to the root) whose names end with `suffix`, outside installs and builds. */
function testsUnder(dir: string, suffix: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) {
      const skipped = ['node_modules', 'dist', '.turbo'].includes(entry.name);
      return skipped ? [] : testsUnder(`${dir}/${entry.name}`, suffix);
    }
    return entry.name.endsWith(suffix) ? [`${dir}/${entry.name}`] : [];
  });
}

describe('test suites', () => {
  const withTests = workspaceDirs.filter((dir) => existsSync(join(root, dir, 'vitest.config.ts')));

  it.each(withTests)(
    '%s leaves data-suite tests (*.data.test.ts) to pnpm test:data, WebGPU tests (*.webgpu.test.ts) to pnpm test:webgpu, browser tests (*.browser.test.ts) to pnpm test:browser and Redis tests (*.redis.test.ts) to pnpm test:redis',
    (dir) => {
      // Compared without whitespace: the formatter wraps a long list.
      const config = readFileSync(join(root, dir, 'vitest.config.ts'), 'utf8').replace(/\s+/g, '');
      expect(config).toContain(
        "exclude:[...configDefaults.exclude,'src/**/*.data.test.ts','src/**/*.webgpu.test.ts','src/**/*.browser.test.ts'",
      );
      if (testsUnder(dir, '.redis.test.ts').length > 0)
        expect(config).toContain("'src/**/*.redis.test.ts'");
    },
  );

  it("keeps browser tests where vitest.browser.config.ts looks: a package's src/", () => {
    const config = readFileSync(join(root, 'vitest.browser.config.ts'), 'utf8');
    expect(config).toContain("include: ['{packages,apps,tooling}/*/src/**/*.browser.test.ts']");
  });

  it("keeps Redis tests where vitest.redis.config.ts looks: a package's src/", () => {
    const config = readFileSync(join(root, 'vitest.redis.config.ts'), 'utf8');
    expect(config).toContain("include: ['{packages,apps,tooling}/*/src/**/*.redis.test.ts']");
    const redisTests = workspaceDirs.flatMap((dir) => testsUnder(dir, '.redis.test.ts'));
    expect(redisTests.length).toBeGreaterThan(0);
    for (const file of redisTests) expect(file).toMatch(/^[a-z]+\/[a-z-]+\/src\//);
  });

  it("keeps WebGPU tests where vitest.webgpu.config.ts looks: a package's src/", () => {
    const config = readFileSync(join(root, 'vitest.webgpu.config.ts'), 'utf8');
    expect(config).toContain("include: ['{packages,apps,tooling}/*/src/**/*.webgpu.test.ts']");
  });

  it("keeps data-suite tests where vitest.data.config.ts looks: a package's src/", () => {
    const config = readFileSync(join(root, 'vitest.data.config.ts'), 'utf8');
    expect(config).toContain("include: ['{packages,apps,tooling}/*/src/**/*.data.test.ts']");
    const dataTests = workspaceDirs.flatMap((dir) => testsUnder(dir, '.data.test.ts'));
    expect(dataTests.length).toBeGreaterThan(0);
    for (const file of dataTests) expect(file).toMatch(/^[a-z]+\/[a-z-]+\/src\//);
  });
});

describe('catalog', () => {
  it('is read by this test', () => {
    expect(catalogNames().has('typescript')).toBe(true);
    expect(catalogNames().has('vitest')).toBe(true);
  });
});

describe('changesets', () => {
  const dir = join(root, '.changeset');
  const published = new Set([...manifests.values()].filter((m) => !m.private).map((m) => m.name));
  const files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');

  it.each(files)('%s has frontmatter naming published packages and a summary', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const match = /^---\n([\s\S]*?)\n---\n\s*(\S[\s\S]*)$/.exec(text);
    expect(match, 'frontmatter delimited by "---" lines, then a summary').not.toBeNull();
    const lines = (match?.[1] ?? '').split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const entry = /^"(@litestage\/[a-z-]+)": (major|minor|patch)$/.exec(line);
      expect(entry, line).not.toBeNull();
      expect(published.has(entry?.[1] ?? ''), `${entry?.[1]} is a published package`).toBe(true);
    }
  });
});
