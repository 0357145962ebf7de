// Checks the demo model's tokenizer.json through LiteStage's own wrapper of
// @huggingface/tokenizers (build @litestage/model first):
//
//   node check-tokenizer.mjs --model <checkpoint folder> --world <world.json> \
//     --questions <export.jsonl> [--questions <more.jsonl>] [--python-ids <ids.jsonl>]
//
// - decode(encode(text)) is text, for every exported trace and every stage prompt;
// - every word of the synthetic language is one token: a trace has exactly as many tokens as
//   words, option tags, punctuation marks and newlines, each token one of them, and every
//   creature name is one token with or without its leading space;
// - the newline (the stages' stop string) is a token of its own;
// - the merges alone build the same tokens (for loaders without `ignore_merges`);
// - BOS and EOS agree with config.json, and the ids equal those the trainer trained on
//   (`train.py encode` writes them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { HuggingFaceTokenizer } = await import(
  new URL('../../packages/model/dist/index.js', import.meta.url).href
);

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    world: { type: 'string' },
    questions: { type: 'string', multiple: true },
    'python-ids': { type: 'string' },
  },
});
if (!values.model || !values.world || !values.questions) {
  console.error(
    'usage: node check-tokenizer.mjs --model <folder> --world <world.json> --questions <jsonl>... [--python-ids <jsonl>]',
  );
  process.exit(2);
}

const readJsonl = (path) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

const tokenizerJson = readFileSync(join(values.model, 'tokenizer.json'), 'utf8');
const config = JSON.parse(readFileSync(join(values.model, 'config.json'), 'utf8'));
const load = (json) =>
  HuggingFaceTokenizer.fromJson(json, {
    source: values.model,
    config: readFileSync(join(values.model, 'tokenizer_config.json'), 'utf8'),
  });
const tokenizer = load(tokenizerJson);
const withoutIgnoreMerges = JSON.parse(tokenizerJson);
withoutIgnoreMerges.model.ignore_merges = false;
const mergesOnly = load(JSON.stringify(withoutIgnoreMerges));

const failures = [];
const fail = (message) => {
  if (failures.length < 20) console.error(`FAIL ${message}`);
  failures.push(message);
};
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// The units of the synthetic language, spelled independently of the tokenizer's own pattern.
const UNIT = / ?\([A-Z]\)| ?[A-Za-z]+:?| ?[.,?]|\n/g;

/** The text of the stage prompts: the question, earlier stages trimmed, the next prefix. */
function stagePrompts(record) {
  const question = record.text.slice(0, record.text.indexOf('\nRecall:') + 1);
  const outputs = [record.gold.recall, record.gold.analyze, record.gold.summarize];
  const prefixes = ['Recall:', 'Analyze:', 'Summarize:'];
  return prefixes.map(
    (prefix, stage) =>
      question +
      outputs
        .slice(0, stage)
        .map((output, i) => `${prefixes[i]} ${output.trim()}\n`)
        .join('') +
      prefix,
  );
}

let texts = 0;
for (const file of values.questions) {
  for (const record of readJsonl(file)) {
    for (const text of [record.text, ...stagePrompts(record)]) {
      texts++;
      const ids = tokenizer.encode(text);
      const decoded = tokenizer.decode(ids);
      if (decoded !== text)
        fail(
          `${record.id}: round trip changed ${JSON.stringify(text)} into ${JSON.stringify(decoded)}`,
        );
      const units = text.match(UNIT) ?? [];
      if (units.join('') !== text)
        fail(`${record.id}: text has characters outside the synthetic language`);
      const pieces = ids.map((id) => tokenizer.decode([id]));
      if (!same(pieces, units)) {
        fail(
          `${record.id}: ${ids.length} tokens for ${units.length} words: ${JSON.stringify(pieces.slice(0, 30))}`,
        );
      }
      if (!same(mergesOnly.encode(text), ids))
        fail(`${record.id}: the merges alone tokenize differently`);
    }
  }
}

const world = JSON.parse(readFileSync(values.world, 'utf8'));
for (const creature of world.creatures) {
  for (const word of [creature.name, ` ${creature.name}`]) {
    const ids = tokenizer.encode(word);
    if (ids.length !== 1) fail(`${JSON.stringify(word)} is ${ids.length} tokens`);
  }
}
for (const fact of world.facts) {
  if (tokenizer.decode(tokenizer.encode(` ${fact}`)) !== ` ${fact}`)
    fail(`round trip of fact ${fact}`);
}

const newline = tokenizer.encode('\n');
if (newline.length !== 1 || tokenizer.decode(newline) !== '\n')
  fail('the newline is not one token');
if (
  !same(tokenizer.encode('Recall: (A) x.\nAnalyze:').slice(-2), [
    newline[0],
    tokenizer.encode('Analyze:')[0],
  ])
) {
  fail('the newline merges with the next stage prefix');
}
if (tokenizer.bosTokenId !== config.bos_token_id)
  fail(`BOS ${tokenizer.bosTokenId} != config ${config.bos_token_id}`);
if (!same(tokenizer.eosTokenIds, [config.eos_token_id]))
  fail(`EOS ${tokenizer.eosTokenIds} != config ${config.eos_token_id}`);
if (tokenizer.vocabSize !== config.vocab_size)
  fail(`vocabulary ${tokenizer.vocabSize} != config ${config.vocab_size}`);
const odd = 'héllo\tworld  12 (Z) ünïcödé ✓ Recall:x\r\n';
if (tokenizer.decode(tokenizer.encode(odd)) !== odd)
  fail('round trip of text outside the language');

let compared = 0;
if (values['python-ids']) {
  for (const entry of readJsonl(values['python-ids'])) {
    entry.texts.forEach((text, i) => {
      compared++;
      if (!same(tokenizer.encode(text), entry.ids[i]))
        fail(`${entry.id}: ids differ from the trainer's for text ${i}`);
    });
  }
}

console.log(
  `${texts} traces and stage prompts, ${world.creatures.length} creatures, ${compared} id lists compared with the trainer: ` +
    (failures.length === 0 ? 'all checks pass' : `${failures.length} failures`),
);
process.exit(failures.length === 0 ? 0 : 1);
