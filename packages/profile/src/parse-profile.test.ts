import { describe, expect, it } from 'vitest';
import { profileJsonSchema } from './json-schema.js';
import { parseProfile, safeParseProfile } from './parse-profile.js';
import { formatJsonPath, ProfileError, type ProfileIssue } from './profile-error.js';
import { serializeProfile } from './serialize-profile.js';
import { fullProfile, minimalProfile } from './test-utils/profiles.js';

/** Issues of a profile that must fail; fails the test if it parses. */
function issuesOf(input: unknown): ProfileIssue[] {
  const result = safeParseProfile(input);
  if (result.success) throw new Error('expected the profile to be refused, but it parsed');
  expect(result.error).toBeInstanceOf(ProfileError);
  return [...result.error.issues];
}

type Json = Record<string, unknown>;
type PathKey = string | number;

function getAt(doc: unknown, path: readonly PathKey[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Json)[key as string], doc);
}

function deleteAt(doc: unknown, path: readonly PathKey[]): void {
  const parent = getAt(doc, path.slice(0, -1)) as Json;
  delete parent[path.at(-1) as string];
}

/**
 * Every required field present in `value`, found by walking the generated JSON Schema
 * (so a field added to the schema is covered without touching this test).
 */
function requiredPaths(schema: Json, value: unknown, path: PathKey[] = []): PathKey[][] {
  const out: PathKey[][] = [];
  if (value === null || value === undefined) return out;
  if (Array.isArray(schema.anyOf)) {
    for (const branch of schema.anyOf as Json[]) {
      if (branch.type !== 'null') out.push(...requiredPaths(branch, value, path));
    }
    return out;
  }
  if (schema.type === 'array' && Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push(...requiredPaths(schema.items as Json, item, [...path, i]));
    });
    return out;
  }
  if (schema.type === 'object' && typeof value === 'object') {
    const properties = (schema.properties ?? {}) as Record<string, Json>;
    for (const key of (schema.required ?? []) as string[]) out.push([...path, key]);
    for (const [key, sub] of Object.entries(properties)) {
      if (key in (value as Json))
        out.push(...requiredPaths(sub, (value as Json)[key], [...path, key]));
    }
    if (typeof schema.additionalProperties === 'object') {
      for (const [key, item] of Object.entries(value as Json)) {
        if (!(key in properties)) {
          out.push(...requiredPaths(schema.additionalProperties as Json, item, [...path, key]));
        }
      }
    }
  }
  return out;
}

describe('parseProfile', () => {
  it('accepts a complete profile and a minimal one', () => {
    expect(parseProfile(fullProfile())).toEqual(fullProfile());
    expect(parseProfile(minimalProfile())).toEqual(minimalProfile());
  });

  it('reads JSON text and names the source in errors', () => {
    expect(parseProfile(JSON.stringify(fullProfile()))).toEqual(fullProfile());
    expect(() => parseProfile('{"schemaVersion": 1,', { source: 'p.json' })).toThrow(
      /Invalid profile p\.json \(1 problem\):\n {2}- \(root\): not valid JSON/,
    );
  });

  it('refuses each required field missing, naming its path', () => {
    const paths = requiredPaths(profileJsonSchema() as Json, fullProfile());
    const names = paths.map(formatJsonPath);
    // The walk must reach deep fields, or this test checks little.
    expect(names).toEqual(
      expect.arrayContaining([
        'schemaVersion',
        'model.fingerprint',
        'stages.recall.maxNewTokens',
        'stages.analyze.earlyExit.threshold',
        'runtime.skipInPrefill',
        'provenance.ranking.entries[0].score',
        'provenance.trace[1].pruned',
        'provenance.environment.runtimeVersions',
      ]),
    );
    expect(paths.length).toBeGreaterThan(60);
    for (const path of paths) {
      const doc = fullProfile();
      deleteAt(doc, path);
      const name = formatJsonPath(path);
      const issues = issuesOf(doc);
      expect(
        issues.map((i) => i.path),
        `after deleting ${name}`,
      ).toContain(name);
    }
  });

  it('says a missing field is missing', () => {
    const doc = minimalProfile() as Json;
    delete (doc.model as Json).numLayers;
    expect(issuesOf(doc)).toEqual([
      { path: 'model.numLayers', message: 'required field is missing (expected number)' },
    ]);
  });

  it('refuses a sub-layer beyond the model depth', () => {
    const doc = minimalProfile();
    doc.stages.analyze = { ...doc.stages.analyze!, skip: ['5.ffn', '8.attn'] };
    expect(issuesOf(doc)).toEqual([
      {
        path: 'stages.analyze.skip[1]',
        message: `sub-layer "8.attn" is beyond the model's 8 layers (0..7)`,
      },
    ]);
  });

  it('refuses malformed sub-layer ids', () => {
    const doc = minimalProfile();
    doc.stages.recall = { ...doc.stages.recall!, skip: ['03.attn', '3.mlp', '3.ffn'] };
    expect(issuesOf(doc).map((i) => i.path)).toEqual([
      'stages.recall.skip[0]',
      'stages.recall.skip[1]',
    ]);
  });

  it('refuses duplicate skip ids and duplicate ranking entries', () => {
    const doc = fullProfile();
    doc.stages.summarize = { ...doc.stages.summarize!, skip: ['5.ffn', '6.attn', '5.ffn'] };
    doc.provenance!.ranking.entries.push({ id: '6.attn', score: 0.5 });
    expect(issuesOf(doc)).toEqual([
      {
        path: 'stages.summarize.skip[2]',
        message: 'skipped sub-layer "5.ffn" repeats stages.summarize.skip[0]',
      },
      {
        path: 'provenance.ranking.entries[4].id',
        message: 'ranked sub-layer "6.attn" repeats provenance.ranking.entries[1]',
      },
    ]);
  });

  it('refuses an unknown stage name and a stage without settings', () => {
    const doc = minimalProfile();
    doc.stages.conclude = { skip: [], earlyExit: null, maxNewTokens: 8 };
    delete doc.stages.recall;
    expect(issuesOf(doc)).toEqual([
      {
        path: 'stages.recall',
        message: 'missing settings for stage "recall" named in task.stages',
      },
      {
        path: 'stages.conclude',
        message: 'unknown stage "conclude"; the task\'s stages are recall, analyze, summarize',
      },
    ]);
  });

  it('refuses unknown stages in provenance figures and a stage listed twice', () => {
    const doc = fullProfile();
    // baseline and result share one tokensPerStage object in the fixture.
    doc.provenance!.result.tokensPerStage.explain = 3;
    doc.provenance!.trace[0]!.budgets.explain = 1;
    doc.task.stages = ['recall', 'analyze', 'summarize', 'recall'];
    expect(issuesOf(doc)).toEqual([
      { path: 'task.stages[3]', message: 'stage "recall" is listed twice' },
      {
        path: 'provenance.baseline.tokensPerStage.explain',
        message:
          'unknown stage "explain"; the task\'s stages are recall, analyze, summarize, recall (also in 2 more places of provenance)',
      },
    ]);
  });

  it('puts the cause of a renamed stage first, not under its copies in the trace', () => {
    const doc = fullProfile();
    const evaluation = doc.provenance!.trace[1]!;
    doc.provenance!.trace = Array.from({ length: 55 }, () => structuredClone(evaluation));
    // Provenance written first, as a hand-edited file may have it.
    const { provenance, ...rest } = doc;
    const renamed = {
      provenance,
      ...rest,
      task: { ...doc.task, stages: ['remember', 'analyze', 'summarize'] },
    };
    const issues = issuesOf(renamed);
    expect(issues.map((i) => i.path)).toEqual([
      'stages.remember',
      'stages.recall',
      'provenance.baseline.tokensPerStage.recall',
    ]);
    expect(issues[1]?.message).toBe(
      'unknown stage "recall"; the task\'s stages are remember, analyze, summarize',
    );
    expect(issues[2]?.message).toMatch(/also in 111 more places of provenance\)$/);
  });

  it('reports every wrong type at once', () => {
    const doc = minimalProfile() as Json;
    (doc.model as Json).numLayers = 'eight';
    (doc.stages as Json).recall = { skip: '0.attn', earlyExit: null, maxNewTokens: 0 };
    ((doc.stages as Json).analyze as Json).earlyExit = {
      confidence: 'entropy',
      window: 2.5,
      threshold: 0.3,
    };
    (doc.runtime as Json).skipInPrefill = 'yes';
    expect(issuesOf(doc).map((i) => i.path)).toEqual([
      'model.numLayers',
      'stages.recall.skip',
      'stages.recall.maxNewTokens',
      'stages.analyze.earlyExit.confidence',
      'stages.analyze.earlyExit.window',
      'runtime.skipInPrefill',
    ]);
  });

  it('refuses a maxProb threshold outside [0, 1] but not a maxLogit one', () => {
    const doc = minimalProfile();
    doc.stages.analyze!.earlyExit = { confidence: 'maxProb', window: 4, threshold: 1.5 };
    expect(issuesOf(doc)).toEqual([
      {
        path: 'stages.analyze.earlyExit.threshold',
        message: 'a maxProb threshold is a probability in [0, 1], got 1.5',
      },
    ]);
    doc.stages.analyze!.earlyExit = { confidence: 'maxLogit', window: 4, threshold: 12 };
    expect(parseProfile(doc).stages.analyze?.earlyExit?.threshold).toBe(12);
  });

  it('rejects unknown fields everywhere but keeps plugin data under extensions', () => {
    const doc = fullProfile() as Json;
    doc.skipz = [];
    ((doc.stages as Json).recall as Json).skips = ['1.ffn'];
    const unknown =
      'unknown field (profiles reject unknown fields; plugin data goes under "extensions")';
    expect(issuesOf(doc)).toEqual([
      { path: 'stages.recall.skips', message: unknown },
      { path: 'skipz', message: unknown },
    ]);
    expect(parseProfile(fullProfile()).extensions).toEqual(fullProfile().extensions);
  });

  it('names every failing path in its message', () => {
    const doc = minimalProfile() as Json;
    (doc.model as Json).fingerprint = 'md5:1234';
    (doc.task as Json).stages = [];
    ((doc.stages as Json).recall as Json).skip = ['12.ffn'];
    expect(() => parseProfile(doc, { source: 'broken.json' })).toThrowErrorMatchingInlineSnapshot(`
      [ProfileError: Invalid profile broken.json (3 problems):
        - model.fingerprint: expected "sha256:" followed by 64 lowercase hex digits
        - task.stages: Too small: expected array to have >=1 items
        - stages.recall.skip[0]: sub-layer "12.ffn" is beyond the model's 8 layers (0..7)]
    `);
  });
});

describe('serializeProfile', () => {
  it('round-trips', () => {
    const text = serializeProfile(fullProfile());
    expect(parseProfile(text)).toEqual(fullProfile());
    expect(serializeProfile(parseProfile(text))).toBe(text);
  });

  it('writes keys in a stable order whatever order they came in', () => {
    const reversed = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reversed);
      if (typeof value === 'object' && value !== null) {
        return Object.fromEntries(
          Object.entries(value)
            .reverse()
            .map(([k, v]) => [k, reversed(v)]),
        );
      }
      return value;
    };
    const shuffled = reversed(fullProfile()) as ReturnType<typeof fullProfile>;
    expect(Object.keys(shuffled)[0]).toBe('extensions');
    const text = serializeProfile(shuffled);
    expect(text).toBe(serializeProfile(fullProfile()));
    expect(Object.keys(JSON.parse(text))).toEqual([
      'schemaVersion',
      'model',
      'task',
      'stages',
      'runtime',
      'provenance',
      'extensions',
    ]);
    expect(Object.keys(JSON.parse(text).stages)).toEqual(['recall', 'analyze', 'summarize']);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('refuses to write an invalid profile', () => {
    const doc = minimalProfile();
    doc.model.numLayers = 2;
    expect(() => serializeProfile(doc)).toThrow(ProfileError);
  });
});
