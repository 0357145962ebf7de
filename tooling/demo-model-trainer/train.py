#!/usr/bin/env python3
"""Trains LiteStage's demo reasoner: a small Llama decoder on the synthetic multi-stage task.

Commands (run with Debian's /usr/bin/python3, which has python3-torch):

  train     train (or resume) in a run folder; logs loss, tokens/s and held-out accuracy
  eval      greedy staged accuracy of a checkpoint on exported questions
  export    write the Hugging Face checkpoint folder from a run's best or last checkpoint
  generate  greedy continuation of a prompt (BOS first), as `litestage generate` does
  encode    token ids of exported traces and stage prompts, for check-tokenizer.mjs

Training reads what `litestage task export --task synthetic` and `litestage task world` write.
It is deterministic: the batch of step s is a function of (seed, s), the weights of the seed,
and one CPU thread computes the same floats every time, so a resumed run continues exactly as
an uninterrupted one would.
"""

from __future__ import annotations

import os

# One core: OpenBLAS would otherwise start a thread per core whatever torch.set_num_threads says.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import csv
import hashlib
import json
import math
import re
import signal
import sys
import time
from collections import deque

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hf_checkpoint import read_safetensors, write_checkpoint_folder  # noqa: E402
from induction_init import hold_wired_rows, wire_induction_circuit  # noqa: E402
from llama_model import LlamaForCausalLM, LlamaShape  # noqa: E402
from word_tokenizer import WordTokenizer, to_byte_level  # noqa: E402

ANSWER_PATTERN = re.compile(r"[Tt]he answer is option ([A-Z])\.")
RECALL_SENTENCE = re.compile(r"\(([A-Z])\) ([^.]*)\.")
# The TinyThinker format of @litestage/tasks: each stage's prompt prefix and default token cap.
STAGES = (("recall", "Recall:", 128), ("analyze", "Analyze:", 256), ("summarize", "Summarize:", 32))

# Exit status of a training session stopped before the last step (resume by rerunning).
EXIT_STOPPED = 75

# Settings that define the trained weights; a resumed run must use the same ones.
MODEL_SETTINGS = (
    "hidden_size",
    "intermediate_size",
    "layers",
    "heads",
    "kv_heads",
    "rope_theta",
    "rms_norm_eps",
    "max_position_embeddings",
    "tie_embeddings",
)
TRAINING_SETTINGS = (
    "seed",
    "steps",
    "batch_rows",
    "fact_docs",
    "wire_induction",
    "wire_hold_steps",
    "wire_labels",
    "lr",
    "min_lr_ratio",
    "warmup_steps",
    "decay_steps",
    "weight_decay",
    "beta1",
    "beta2",
    "grad_clip",
    "layer_dropout",
    "init_from",
)


def log(message: str) -> None:
    print(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] {message}", flush=True)


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_jsonl(path: str, limit: int | None = None) -> list[dict]:
    records = []
    with open(path, encoding="utf-8") as file:
        for line in file:
            if line.strip():
                records.append(json.loads(line))
                if limit is not None and len(records) >= limit:
                    break
    return records


def atomic_torch_save(value: object, path: str) -> None:
    temporary = f"{path}.tmp"
    torch.save(value, temporary)
    os.replace(temporary, path)


def atomic_write_json(value: object, path: str) -> None:
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2)
        file.write("\n")
    os.replace(temporary, path)


# -- the training data ------------------------------------------------------------------------


class TrainingData:
    """Tokenized traces and fact sentences of a run, prepared once into `<run>/data/`.

    Each step trains on two tensors. Question rows: BOS + trace + EOS, each followed by fact
    sentences up to the step's longest row (so no position is padding). Fact documents: one
    fact sentence each, BOS + " name ... ." (with its leading space, so a creature is the same
    token as in a question); alone in a short sequence, the name is easy to attend to, which
    gets the model past the plateau where it knows the templates but no facts.
    """

    def __init__(self, run_dir: str, train_jsonl: str, world_json: str):
        data_dir = os.path.join(run_dir, "data")
        os.makedirs(data_dir, exist_ok=True)
        manifest_path = os.path.join(data_dir, "manifest.json")
        inputs = {"train_jsonl_sha256": sha256_of(train_jsonl), "world_json_sha256": sha256_of(world_json)}
        tokens_path = os.path.join(data_dir, "train-tokens.npy")
        offsets_path = os.path.join(data_dir, "train-offsets.npy")
        tokenizer_path = os.path.join(data_dir, "tokenizer.json")
        with open(world_json, encoding="utf-8") as file:
            world = json.load(file)
        facts = world["facts"]
        if os.path.exists(manifest_path):
            with open(manifest_path, encoding="utf-8") as file:
                manifest = json.load(file)
            if manifest["inputs"] != inputs:
                raise SystemExit(
                    f"{run_dir} was prepared from other exports ({manifest['inputs']}); "
                    "use a new run folder or the same --train-jsonl and --world-json"
                )
            self.tokenizer = WordTokenizer.from_tokenizer_json(tokenizer_path)
            self.tokens = np.load(tokens_path)
            self.offsets = np.load(offsets_path)
        else:
            log(f"preparing data from {train_jsonl}")
            texts = [record["text"] for record in read_jsonl(train_jsonl)]
            self.tokenizer = WordTokenizer.build([*texts, *facts])
            self.tokenizer.save(tokenizer_path)
            rows = [
                [self.tokenizer.bos_id, *self.tokenizer.encode(text), self.tokenizer.eos_id]
                for text in texts
            ]
            self.offsets = np.cumsum([0, *map(len, rows)]).astype(np.int64)
            self.tokens = np.fromiter(
                (t for row in rows for t in row), dtype=np.uint16, count=int(self.offsets[-1])
            )
            np.save(tokens_path, self.tokens)
            np.save(offsets_path, self.offsets)
            atomic_write_json(
                {
                    "inputs": inputs,
                    "questions": len(rows),
                    "tokens": int(self.offsets[-1]),
                    "vocab_size": len(self.tokenizer.vocab),
                    "facts": len(facts),
                },
                manifest_path,
            )
            log(f"prepared {len(rows)} questions, {int(self.offsets[-1])} tokens, vocabulary {len(self.tokenizer.vocab)}")
        self.question_count = len(self.offsets) - 1
        self.fact_tokens = [np.array(self.tokenizer.encode(" " + fact), dtype=np.int64) for fact in facts]
        self.fact_doc_length = 1 + max(len(fact) for fact in self.fact_tokens)
        self._permutations: dict[int, np.ndarray] = {}

    def question(self, index: int) -> np.ndarray:
        return self.tokens[self.offsets[index] : self.offsets[index + 1]].astype(np.int64)

    def _permutation(self, seed: int, epoch: int) -> np.ndarray:
        if epoch not in self._permutations:
            self._permutations = {epoch: np.random.default_rng([seed, 1, epoch]).permutation(self.question_count)}
        return self._permutations[epoch]

    def fact_stream(self, rng: np.random.Generator, length: int) -> np.ndarray:
        parts, total = [], 0
        while total < length:
            fact = self.fact_tokens[int(rng.integers(len(self.fact_tokens)))]
            parts.append(fact)
            total += len(fact)
        return np.concatenate(parts)[:length] if parts else np.zeros(0, dtype=np.int64)

    def batch(self, args: argparse.Namespace, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Step `step`'s question rows [B, L] and fact documents [F, l] (-1 after a fact's end)."""
        first = step * args.batch_rows
        questions = []
        for k in range(first, first + args.batch_rows):
            epoch, position = divmod(k, self.question_count)
            questions.append(self.question(int(self._permutation(args.seed, epoch)[position])))
        length = max(len(q) for q in questions)
        rng = np.random.default_rng([args.seed, 2, step])
        rows = np.stack([np.concatenate([q, self.fact_stream(rng, length - len(q))]) for q in questions])
        docs = np.full((args.fact_docs, self.fact_doc_length), -1, dtype=np.int64)
        for i in range(args.fact_docs):
            fact = self.fact_tokens[int(rng.integers(len(self.fact_tokens)))]
            docs[i, 0] = self.tokenizer.bos_id
            docs[i, 1 : 1 + len(fact)] = fact
        return torch.from_numpy(rows), torch.from_numpy(docs)


def layer_dropout_rates(args: argparse.Namespace) -> np.ndarray:
    """LayerSkip's layer dropout (Elhoushi et al. 2024): layer l is dropped with a probability
    rising with depth, here linearly from 0 at the first layer to `layer_dropout` at the last."""
    if args.layers == 1:
        return np.array([args.layer_dropout])
    return args.layer_dropout * np.arange(args.layers) / (args.layers - 1)


def dropped_layers(args: argparse.Namespace, step: int, count: int) -> list[list[tuple[bool, bool]] | None]:
    """For each of `count` forward passes of step `step`, the skip pairs of its dropped layers
    (a dropped layer skips attention and feed-forward for the whole pass), or None without
    dropout. A function of (seed, step), so a resumed run drops the same layers."""
    if args.layer_dropout <= 0:
        return [None] * count
    rates = layer_dropout_rates(args)
    rng = np.random.default_rng([args.seed, 3, step])
    passes = []
    for _ in range(count):
        dropped = rng.random(args.layers) < rates
        passes.append([(bool(d), bool(d)) for d in dropped])
    return passes


def learning_rate(args: argparse.Namespace, step: int) -> float:
    """Linear warm-up, constant, then a linear decay to min_lr_ratio * lr over the last decay_steps."""
    if step < args.warmup_steps:
        return args.lr * (step + 1) / args.warmup_steps
    decay_start = args.steps - args.decay_steps
    if step < decay_start:
        return args.lr
    progress = (step - decay_start) / max(1, args.decay_steps)
    return args.lr * (1.0 - (1.0 - args.min_lr_ratio) * progress)


# -- model -------------------------------------------------------------------------------------


def option_label_groups(tokenizer: WordTokenizer) -> list[list[int]]:
    """For each option letter, the tokens that name it: ` A` (analyze, summary), `(A)` (first in
    the question line) and ` (A)` (the question's other options, recall)."""
    groups = []
    for letter in "ABCDEFGH":
        ids = [tokenizer.ids.get(to_byte_level(text)) for text in (f" {letter}", f"({letter})", f" ({letter})")]
        ids = [i for i in ids if i is not None]
        if len(ids) > 1:
            groups.append(ids)
    return groups


def model_shape(args: argparse.Namespace, vocab_size: int) -> LlamaShape:
    return LlamaShape(
        vocab_size=vocab_size,
        hidden_size=args.hidden_size,
        intermediate_size=args.intermediate_size,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        num_key_value_heads=args.kv_heads,
        head_dim=args.hidden_size // args.heads,
        rms_norm_eps=args.rms_norm_eps,
        rope_theta=args.rope_theta,
        max_position_embeddings=args.max_position_embeddings,
        tie_word_embeddings=args.tie_embeddings,
    )


def make_optimizer(model: LlamaForCausalLM, args: argparse.Namespace) -> torch.optim.Optimizer:
    decayed, plain = [], []
    for name, param in model.named_parameters():
        is_matrix = param.dim() == 2 and "embed_tokens" not in name
        (decayed if is_matrix else plain).append(param)
    return torch.optim.AdamW(
        [
            {"params": decayed, "weight_decay": args.weight_decay},
            {"params": plain, "weight_decay": 0.0},
        ],
        lr=args.lr,
        betas=(args.beta1, args.beta2),
        eps=1e-8,
    )


def load_model(path: str) -> tuple[LlamaForCausalLM, WordTokenizer]:
    """A model from a run checkpoint (*.pt, its run's tokenizer) or a Hugging Face folder."""
    if os.path.isdir(path):
        with open(os.path.join(path, "config.json"), encoding="utf-8") as file:
            config = json.load(file)
        shape = LlamaShape(
            **{k: config[k] for k in LlamaShape.__dataclass_fields__ if k != "tie_word_embeddings"},
            tie_word_embeddings=config["tie_word_embeddings"],
        )
        model = LlamaForCausalLM(shape)
        state = read_safetensors(os.path.join(path, "model.safetensors"))
        if shape.tie_word_embeddings:
            state["lm_head.weight"] = state["model.embed_tokens.weight"]
        model.load_state_dict(state)
        tokenizer = WordTokenizer.from_tokenizer_json(os.path.join(path, "tokenizer.json"))
    else:
        checkpoint = torch.load(path)
        model = LlamaForCausalLM(LlamaShape(**checkpoint["shape"]))
        model.load_state_dict(checkpoint["model"])
        run_dir = os.path.dirname(os.path.abspath(path))
        tokenizer = WordTokenizer.from_tokenizer_json(os.path.join(run_dir, "data", "tokenizer.json"))
    model.eval()
    return model, tokenizer


# -- greedy staged decoding ----------------------------------------------------------------------


def first_prompt(record: dict) -> str:
    """The question as the format renders it, followed by "Recall:" (read off the exported trace)."""
    text = record["text"]
    return text[: text.index("\nRecall:") + len("\nRecall:")]


def stage_prompt(record: dict, outputs: list[str]) -> str:
    """What the engine feeds before stage len(outputs): earlier outputs trimmed, one line each."""
    done = "".join(f"{STAGES[i][1]} {output.strip()}\n" for i, output in enumerate(outputs))
    return first_prompt(record)[: -len("Recall:")] + done + STAGES[len(outputs)][1]


@torch.no_grad()
def greedy_continue(model, prompt_ids, max_new_tokens, stop_ids):
    """Greedy tokens after prompt_ids (which start with BOS); the stopping token is included."""
    cache = model.new_cache(1, len(prompt_ids) + max_new_tokens)
    logits = model(torch.tensor([prompt_ids]), cache=cache, cache_position=0)[0, -1]
    position, out = len(prompt_ids), []
    while len(out) < max_new_tokens:
        token = int(logits.argmax())
        out.append(token)
        if token in stop_ids or len(out) >= max_new_tokens:
            break
        logits = model(torch.tensor([[token]]), cache=cache, cache_position=position)[0, -1]
        position += 1
    return out


def finish_stage(tokenizer, out_ids, cap):
    """The stage text and why it ended, as the engine reports them."""
    last = out_ids[-1] if out_ids else None
    if last == tokenizer.newline_id:
        return tokenizer.decode(out_ids[:-1]), "stop"
    if last == tokenizer.eos_id:
        return tokenizer.decode(out_ids[:-1]), "eos"
    return tokenizer.decode(out_ids), "max"


def staged_answer_exact(model, tokenizer, record):
    """One question the engine's way: each stage prompt re-encoded, prefilled, decoded greedily."""
    outputs, reasons, lengths = [], [], []
    for _, _, cap in STAGES:
        ids = [tokenizer.bos_id, *tokenizer.encode(stage_prompt(record, outputs))]
        out = greedy_continue(model, ids, cap, {tokenizer.newline_id, tokenizer.eos_id})
        text, reason = finish_stage(tokenizer, out, cap)
        outputs.append(text)
        reasons.append(reason)
        lengths.append(len(out))
    return outputs, reasons, lengths


@torch.no_grad()
def staged_answers(model, tokenizer, records):
    """All questions at once, one token per row per step.

    Each row is fed its prompt token by token (a prefill through the cache) and then decodes; at
    a stage's end the next stage prefix is queued. Rows therefore share positions and need no
    padding. When a stage's tokens differ from what the engine would re-encode (an output that
    does not end in a newline or is not written canonically), the row is redone by
    `staged_answer_exact`, so the result always equals the engine's staged greedy decoding.
    """
    stop_ids = {tokenizer.newline_id, tokenizer.eos_id}
    prefixes = [tokenizer.encode(prefix) for _, prefix, _ in STAGES]
    rows = []
    for record in records:
        queue = deque([tokenizer.bos_id, *tokenizer.encode(first_prompt(record))])
        rows.append({"queue": queue, "out": [], "outputs": [], "reasons": [], "lengths": [], "done": False, "redo": False})
    longest = max(len(row["queue"]) for row in rows) + sum(len(p) + cap for p, (_, _, cap) in zip(prefixes, STAGES))
    cache = model.new_cache(len(rows), longest)
    feed = [row["queue"].popleft() for row in rows]
    for position in range(longest):
        if all(row["done"] for row in rows):
            break
        logits = model(torch.tensor(feed)[:, None], cache=cache, cache_position=position)[:, -1]
        choices = logits.argmax(-1).tolist()
        for i, row in enumerate(rows):
            if row["done"]:
                feed[i] = tokenizer.eos_id
                continue
            if row["queue"]:
                feed[i] = row["queue"].popleft()
                continue
            token = choices[i]
            row["out"].append(token)
            stage = len(row["outputs"])
            cap = STAGES[stage][2]
            if token not in stop_ids and len(row["out"]) < cap:
                feed[i] = token
                continue
            text, reason = finish_stage(tokenizer, row["out"], cap)
            canonical = reason == "stop" and tokenizer.encode(f" {text.strip()}\n") == row["out"]
            row["outputs"].append(text)
            row["reasons"].append(reason)
            row["lengths"].append(len(row["out"]))
            row["out"] = []
            if not canonical and stage < len(STAGES) - 1:
                row["redo"], row["done"] = True, True
            elif stage == len(STAGES) - 1:
                row["done"] = True
            else:
                # The newline is context too: feed it, then the next stage's prefix.
                row["queue"].extend([token, *prefixes[stage + 1]])
            feed[i] = row["queue"].popleft() if row["queue"] else tokenizer.eos_id
    results = []
    for record, row in zip(records, rows):
        if row["redo"] or len(row["outputs"]) < len(STAGES):
            results.append(staged_answer_exact(model, tokenizer, record))
        else:
            results.append((row["outputs"], row["reasons"], row["lengths"]))
    return results


def parse_answer(summary: str) -> str | None:
    found = set(ANSWER_PATTERN.findall(summary))
    return found.pop() if len(found) == 1 else None


def recalled_facts(recall: str) -> dict[str, str]:
    return {label: fact.strip() for label, fact in RECALL_SENTENCE.findall(recall)}


def evaluate(model, tokenizer, records, batch_size=500):
    """Accuracy and per-stage figures of greedy staged decoding over `records`."""
    correct = recall_exact = analyze_exact = well_formed = facts_right = facts_total = 0
    tokens = [0, 0, 0]
    details = []
    for start in range(0, len(records), batch_size):
        chunk = records[start : start + batch_size]
        for record, (outputs, reasons, lengths) in zip(chunk, staged_answers(model, tokenizer, chunk)):
            answer = parse_answer(outputs[2])
            correct += answer == record["answer"]
            recall_exact += outputs[0].strip() == record["gold"]["recall"]
            analyze_exact += outputs[1].strip() == record["gold"]["analyze"]
            well_formed += reasons == ["stop", "stop", "stop"]
            gold_facts = recalled_facts(record["gold"]["recall"])
            said = recalled_facts(outputs[0])
            facts_total += len(gold_facts)
            facts_right += sum(said.get(label) == fact for label, fact in gold_facts.items())
            for i in range(3):
                tokens[i] += lengths[i]
            details.append({"id": record["id"], "answer": record["answer"], "predicted": answer, "outputs": outputs, "reasons": reasons})
    n = len(records)
    accuracy = correct / n
    half_width = 1.96 * math.sqrt(max(accuracy * (1 - accuracy), 1e-12) / n)
    summary = {
        "questions": n,
        "accuracy": accuracy,
        "accuracy_95": [max(0.0, accuracy - half_width), min(1.0, accuracy + half_width)],
        "recall_exact": recall_exact / n,
        "recalled_fact_accuracy": facts_right / max(1, facts_total),
        "analyze_exact": analyze_exact / n,
        "well_formed": well_formed / n,
        "mean_tokens": {STAGES[i][0]: tokens[i] / n for i in range(3)},
    }
    return summary, details


# -- training ------------------------------------------------------------------------------------


def append_csv(path: str, header: list[str], row: list) -> None:
    exists = os.path.exists(path)
    with open(path, "a", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        if not exists:
            writer.writerow(header)
        writer.writerow(row)


def truncate_csv_after(path: str, step: int) -> None:
    """Drops rows logged after the checkpoint a resumed run restarts from."""
    if not os.path.exists(path):
        return
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    kept = [rows[0]] + [row for row in rows[1:] if int(row[0]) <= step]
    if len(kept) != len(rows):
        temporary = f"{path}.tmp"
        with open(temporary, "w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows(kept)
        os.replace(temporary, path)


def schedule_extends(saved: dict, given: dict, changed: dict, step: int) -> bool:
    """Whether a run at `step` may continue under `given`: only the length of the run and of its
    final decay differ, and neither schedule has started decaying, so every step so far had the
    same learning rate under both (a run extended this way equals one started with `given`)."""
    if not set(changed) <= {"steps", "decay_steps"}:
        return False
    return all(step <= s["steps"] - s["decay_steps"] for s in (saved, given))


def start_from(model: LlamaForCausalLM, tokenizer: WordTokenizer, folder: str) -> None:
    """Load a Hugging Face checkpoint's weights into a new run (a further run from trained
    weights, with a fresh optimizer); its shape and vocabulary must equal this run's."""
    trained, trained_tokenizer = load_model(folder)
    if trained_tokenizer.vocab != tokenizer.vocab:
        raise SystemExit(f"--init-from {folder}: its tokenizer differs from this run's training data")
    if trained.shape != model.shape:
        raise SystemExit(f"--init-from {folder}: its shape {trained.shape} differs from this run's {model.shape}")
    model.load_state_dict(trained.state_dict())
    log(f"starting from the weights of {folder}")


def settings_of(args: argparse.Namespace) -> dict:
    return {name: getattr(args, name) for name in (*MODEL_SETTINGS, *TRAINING_SETTINGS)}


def command_train(args: argparse.Namespace) -> None:
    torch.set_num_threads(1)
    os.makedirs(args.run_dir, exist_ok=True)
    settings_path = os.path.join(args.run_dir, "settings.json")
    last_path = os.path.join(args.run_dir, "last.pt")
    settings = settings_of(args)
    if os.path.exists(settings_path):
        with open(settings_path, encoding="utf-8") as file:
            saved = json.load(file)
        # A setting added after the run began counts as unchanged while it keeps its off value.
        changed = {
            k: (saved.get(k), v)
            for k, v in settings.items()
            if saved.get(k) != v and not (k not in saved and v in (False, 0, None))
        }
        if changed:
            resumed_step = torch.load(last_path)["step"] if os.path.exists(last_path) else 0
            if not schedule_extends(saved, settings, changed, resumed_step):
                raise SystemExit(
                    f"{args.run_dir} was trained with other settings (saved, given): {changed}; "
                    "only --steps and --decay-steps may change, and only before the decay began"
                )
            log(f"changing the schedule at step {resumed_step}: {changed}")
    atomic_write_json(settings, settings_path)

    data = TrainingData(args.run_dir, args.train_jsonl, args.world_json)
    tokenizer = data.tokenizer
    calib = read_jsonl(args.calib_jsonl, args.eval_questions)

    shape = model_shape(args, len(tokenizer.vocab))
    model = LlamaForCausalLM(shape)
    model.init_weights(torch.Generator().manual_seed(args.seed))
    if args.init_from:
        start_from(model, tokenizer, args.init_from)
    elif args.wire_induction:
        wire_induction_circuit(
            model,
            torch.Generator().manual_seed(args.seed + 1),
            label_groups=option_label_groups(tokenizer) if args.wire_labels else None,
        )
    optimizer = make_optimizer(model, args)
    best_path = os.path.join(args.run_dir, "best.pt")
    train_log = os.path.join(args.run_dir, "train-log.csv")
    eval_log = os.path.join(args.run_dir, "eval-log.csv")
    step, tokens_seen, elapsed, best_accuracy = 0, 0, 0.0, -1.0
    if os.path.exists(last_path):
        checkpoint = torch.load(last_path)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        torch.set_rng_state(checkpoint["torch_rng_state"])
        step, tokens_seen = checkpoint["step"], checkpoint["tokens_seen"]
        elapsed, best_accuracy = checkpoint["elapsed_s"], checkpoint["best_accuracy"]
        truncate_csv_after(train_log, step)
        truncate_csv_after(eval_log, step)
        log(f"resumed at step {step} ({tokens_seen} tokens, {elapsed / 3600:.2f} h trained)")
    else:
        log(f"new run: {model.parameter_count()} parameters, {shape}")

    def save(path: str) -> None:
        atomic_torch_save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "shape": shape.to_dict(),
                "settings": settings,
                "step": step,
                "tokens_seen": tokens_seen,
                "elapsed_s": elapsed,
                "best_accuracy": best_accuracy,
                "torch_rng_state": torch.get_rng_state(),
                # Batches are a function of (seed, step); this records where the data stream is.
                "data_position": {"questions_consumed": step * args.batch_rows, "epoch_size": data.question_count},
            },
            path,
        )

    stop_requested = []
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.append("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: stop_requested.append("SIGINT"))

    def run_eval() -> None:
        nonlocal best_accuracy
        started = time.time()
        model.eval()
        summary, _ = evaluate(model, tokenizer, calib)
        model.train()
        append_csv(
            eval_log,
            ["step", "tokens", "train_hours", "accuracy", "recalled_fact_accuracy", "recall_exact", "analyze_exact", "well_formed", "recall_tokens", "analyze_tokens", "summarize_tokens", "questions"],
            [step, tokens_seen, f"{elapsed / 3600:.3f}", f"{summary['accuracy']:.4f}", f"{summary['recalled_fact_accuracy']:.4f}", f"{summary['recall_exact']:.4f}", f"{summary['analyze_exact']:.4f}", f"{summary['well_formed']:.4f}",
             f"{summary['mean_tokens']['recall']:.1f}", f"{summary['mean_tokens']['analyze']:.1f}", f"{summary['mean_tokens']['summarize']:.1f}", summary["questions"]],
        )
        log(f"eval step {step}: accuracy {summary['accuracy']:.3f}, recalled facts {summary['recalled_fact_accuracy']:.3f}, well-formed {summary['well_formed']:.3f} ({time.time() - started:.0f} s)")
        if summary["accuracy"] >= best_accuracy:
            best_accuracy = summary["accuracy"]
            save(best_path)

    model.train()
    session_start = time.time()
    last_save = time.time()
    window_loss, window_fact_loss, window_steps, window_tokens, window_start = 0.0, 0.0, 0, 0, time.time()
    while step < args.steps:
        rows, docs = data.batch(args, step)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(args, step)
        row_skip, doc_skip = dropped_layers(args, step, 2)
        logits = model(rows[:, :-1], skip=row_skip)
        row_loss = F.cross_entropy(logits.reshape(-1, shape.vocab_size), rows[:, 1:].reshape(-1))
        loss = row_loss
        batch_tokens = rows.shape[0] * (rows.shape[1] - 1)
        if args.fact_docs:
            doc_logits = model(docs[:, :-1].clamp(min=0), skip=doc_skip)
            targets = docs[:, 1:]
            fact_loss = F.cross_entropy(doc_logits.reshape(-1, shape.vocab_size), targets.reshape(-1), ignore_index=-1)
            loss = loss + fact_loss
            batch_tokens += int((targets >= 0).sum())
            window_fact_loss += fact_loss.item()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if step < args.wire_hold_steps:
            hold_wired_rows(model)
            model.model.embed_tokens.weight.grad = None
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
        step += 1
        tokens_seen += batch_tokens
        window_loss += row_loss.item()
        window_steps += 1
        window_tokens += batch_tokens
        if step % args.log_every == 0 or step == args.steps:
            now = time.time()
            elapsed += now - window_start
            append_csv(
                train_log,
                ["step", "tokens", "train_hours", "lr", "loss", "fact_loss", "tokens_per_s"],
                [step, tokens_seen, f"{elapsed / 3600:.4f}", f"{learning_rate(args, step - 1):.6g}", f"{window_loss / window_steps:.4f}", f"{window_fact_loss / window_steps:.4f}", f"{window_tokens / (now - window_start):.0f}"],
            )
            if step % (args.log_every * 10) == 0:
                log(f"step {step}/{args.steps} loss {window_loss / window_steps:.4f} fact loss {window_fact_loss / window_steps:.4f} {window_tokens / (now - window_start):.0f} tokens/s")
            window_loss, window_fact_loss, window_steps, window_tokens, window_start = 0.0, 0.0, 0, 0, now
        if step % args.eval_every == 0 or step == args.steps:
            run_eval()
            window_start = time.time()
        if step == args.steps - args.decay_steps:
            # The last weights of the constant phase: a longer run can branch from here.
            save(os.path.join(args.run_dir, "stable.pt"))
        if step % args.log_every != 0 and step != args.steps:
            continue  # checkpoints fall on logged steps, so the logs and the time trained match them
        out_of_time = args.stop_after_seconds and time.time() - session_start >= args.stop_after_seconds
        if time.time() - last_save >= args.checkpoint_seconds or step == args.steps or stop_requested or out_of_time:
            save_started = time.time()
            save(last_path)
            last_save = time.time()
            window_start += last_save - save_started  # saving is not training time
        if stop_requested or out_of_time:
            log(f"stopping at step {step} ({stop_requested[0] if stop_requested else 'time limit'}); rerun the same command to resume")
            sys.exit(EXIT_STOPPED)
    log(f"done: {step} steps, {tokens_seen} tokens, {elapsed / 3600:.2f} h")


# -- other commands --------------------------------------------------------------------------------


def command_eval(args: argparse.Namespace) -> None:
    torch.set_num_threads(1)
    model, tokenizer = load_model(args.model)
    records = read_jsonl(args.questions, args.limit)
    started = time.time()
    summary, details = evaluate(model, tokenizer, records)
    summary["seconds"] = round(time.time() - started, 1)
    print(json.dumps(summary, indent=2))
    if args.details:
        with open(args.details, "w", encoding="utf-8") as file:
            for detail in details:
                file.write(json.dumps(detail) + "\n")


def command_export(args: argparse.Namespace) -> None:
    path = os.path.join(args.run_dir, f"{args.checkpoint}.pt")
    model, tokenizer = load_model(path)
    checkpoint = torch.load(path)
    metadata = {
        "step": str(checkpoint["step"]),
        "tokens_seen": str(checkpoint["tokens_seen"]),
        "train_hours": f"{checkpoint['elapsed_s'] / 3600:.2f}",
        "calib_accuracy": f"{checkpoint['best_accuracy']:.4f}",
    }
    write_checkpoint_folder(args.out, model, tokenizer, metadata)
    print(f"wrote {args.out} from {path} (step {checkpoint['step']}); model.safetensors sha256 {sha256_of(os.path.join(args.out, 'model.safetensors'))}")


def command_generate(args: argparse.Namespace) -> None:
    torch.set_num_threads(1)
    model, tokenizer = load_model(args.model)
    ids = [tokenizer.bos_id, *tokenizer.encode(args.prompt)]
    out = greedy_continue(model, ids, args.max_new_tokens, {tokenizer.eos_id})
    if args.ids:
        print(json.dumps(out))
    else:
        sys.stdout.write(tokenizer.decode(out))


def command_encode(args: argparse.Namespace) -> None:
    """For each question: the ids of its trace and of its three gold stage prompts."""
    tokenizer = WordTokenizer.from_tokenizer_json(args.tokenizer)
    with open(args.out, "w", encoding="utf-8") as file:
        for record in read_jsonl(args.questions, args.limit):
            gold = [record["gold"][name] for name, _, _ in STAGES]
            texts = [record["text"], *(stage_prompt(record, gold[:i]) for i in range(3))]
            file.write(json.dumps({"id": record["id"], "texts": texts, "ids": [tokenizer.encode(t) for t in texts]}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train or resume")
    train.add_argument("--run-dir", required=True, help="run folder (outside the repository)")
    train.add_argument("--train-jsonl", required=True)
    train.add_argument("--world-json", required=True)
    train.add_argument("--calib-jsonl", required=True, help="held-out questions for the periodic evaluation")
    train.add_argument("--seed", type=int, default=1)
    train.add_argument("--hidden-size", type=int, default=128)
    train.add_argument("--intermediate-size", type=int, default=384)
    train.add_argument("--layers", type=int, default=8)
    train.add_argument("--heads", type=int, default=4)
    train.add_argument("--kv-heads", type=int, default=2)
    train.add_argument("--rope-theta", type=float, default=10000.0)
    train.add_argument("--rms-norm-eps", type=float, default=1e-5)
    train.add_argument("--max-position-embeddings", type=int, default=1024)
    train.add_argument("--tie-embeddings", action="store_true")
    train.add_argument("--steps", type=int, default=20000)
    train.add_argument("--batch-rows", type=int, default=16)
    train.add_argument("--fact-docs", type=int, default=128, help="one-sentence fact documents per step")
    train.add_argument("--wire-induction", action="store_true", help="start with an induction circuit (induction_init.py)")
    train.add_argument("--wire-labels", action="store_true", help="also wire the option-label lookup of analyze")
    train.add_argument("--wire-hold-steps", type=int, default=0, help="keep the circuit and the embeddings fixed this long")
    train.add_argument(
        "--layer-dropout",
        type=float,
        default=0.0,
        help="LayerSkip-style layer dropout: the last layer's drop probability (0 at the first, linear in depth)",
    )
    train.add_argument(
        "--init-from",
        help="a Hugging Face checkpoint folder to start from (its weights; a fresh optimizer); replaces the wiring",
    )
    train.add_argument("--lr", type=float, default=2e-3)
    train.add_argument("--min-lr-ratio", type=float, default=0.0)
    train.add_argument("--warmup-steps", type=int, default=200)
    train.add_argument("--decay-steps", type=int, default=4000)
    train.add_argument("--weight-decay", type=float, default=0.1)
    train.add_argument("--beta1", type=float, default=0.9)
    train.add_argument("--beta2", type=float, default=0.95)
    train.add_argument("--grad-clip", type=float, default=1.0)
    train.add_argument("--eval-every", type=int, default=500, help="steps between calib evaluations")
    train.add_argument("--eval-questions", type=int, default=300)
    train.add_argument("--log-every", type=int, default=10)
    train.add_argument("--checkpoint-seconds", type=float, default=300)
    train.add_argument("--stop-after-seconds", type=float, default=0, help="end this session after so long (resumable)")
    train.set_defaults(handler=command_train)

    evaluate_parser = commands.add_parser("eval", help="greedy staged accuracy")
    evaluate_parser.add_argument("--model", required=True, help="a run checkpoint (.pt) or a Hugging Face folder")
    evaluate_parser.add_argument("--questions", required=True, help="exported JSONL")
    evaluate_parser.add_argument("--limit", type=int)
    evaluate_parser.add_argument("--details", help="write each question's stage outputs to this JSONL")
    evaluate_parser.set_defaults(handler=command_eval)

    export = commands.add_parser("export", help="write the Hugging Face checkpoint folder")
    export.add_argument("--run-dir", required=True)
    export.add_argument("--checkpoint", choices=["best", "last"], default="best")
    export.add_argument("--out", required=True)
    export.set_defaults(handler=command_export)

    generate = commands.add_parser("generate", help="greedy continuation of a prompt")
    generate.add_argument("--model", required=True)
    generate.add_argument("--prompt", required=True)
    generate.add_argument("--max-new-tokens", type=int, default=200)
    generate.add_argument("--ids", action="store_true", help="print token ids instead of text")
    generate.set_defaults(handler=command_generate)

    encode = commands.add_parser("encode", help="ids of traces and stage prompts")
    encode.add_argument("--tokenizer", required=True)
    encode.add_argument("--questions", required=True)
    encode.add_argument("--limit", type=int)
    encode.add_argument("--out", required=True)
    encode.set_defaults(handler=command_encode)

    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
