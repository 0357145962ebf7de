"""The demo model's word-level tokenizer, written as a Hugging Face `tokenizer.json`.

Every word of the synthetic language is one token: creature names, attribute and template
words, the option tags `(A)`..`(D)` and the stage prefixes `Recall:`, `Analyze:`,
`Summarize:`, each with and without its leading space, plus punctuation and the newline
that ends every stage. `@huggingface/tokenizers` (npm) has no WordLevel model, so this is a
byte-level BPE:

- pre-tokenizer: a regex split into words (one leading space attached) followed by GPT-2's
  byte-to-unicode mapping, so any text survives encode/decode exactly;
- model: BPE with `ignore_merges`, so a piece that is a vocabulary word is one token at once;
  the merges still build every word from its characters (for loaders without
  `ignore_merges`), and the 256 byte symbols cover any other text;
- decoder: byte-level, the inverse of the mapping.

`WordTokenizer.encode` here reproduces the library's encoding exactly; `check-tokenizer.mjs`
compares the two.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

UNK, BOS, EOS = "<unk>", "<s>", "</s>"
SPECIAL_TOKENS = (UNK, BOS, EOS)

# Alternatives in order; together they match every character, so the split loses nothing.
# Whitespace is spelled out rather than written \s, which Python and JavaScript define
# differently outside ASCII.
PIECE_PATTERN = (
    r" ?\([A-Z]\)"  # an option tag: (A)
    r"| ?[A-Za-z]+:?"  # a word, or a stage prefix such as Recall:
    r"| ?[^\t\n\v\f\r A-Za-z]"  # one other character: punctuation, digits, non-ASCII
    r"|\n"  # the stage stop string, always its own token
    r"| +"  # spaces not followed by a word
    r"|[\t\v\f\r]"
)
_piece_regex = re.compile(PIECE_PATTERN)


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("\u00a1"), ord("\u00ac") + 1))
        + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    )
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {byte: chr(char) for byte, char in zip(printable, chars)}


BYTE_TO_CHAR = _bytes_to_unicode()
CHAR_TO_BYTE = {char: byte for byte, char in BYTE_TO_CHAR.items()}


def split_pieces(text: str) -> list[str]:
    pieces = _piece_regex.findall(text)
    assert "".join(pieces) == text, "the piece pattern must match every character"
    return pieces


def to_byte_level(piece: str) -> str:
    return "".join(BYTE_TO_CHAR[b] for b in piece.encode("utf-8"))


def from_byte_level(symbols: str) -> str:
    return bytes(CHAR_TO_BYTE[c] for c in symbols).decode("utf-8", errors="replace")


def _apply_merges(symbols: list[str], ranks: dict[tuple[str, str], int]) -> list[str]:
    """BPE as the libraries run it: repeatedly merge the lowest-ranked pair, leftmost first."""
    symbols = list(symbols)
    while len(symbols) > 1:
        best = None
        for i in range(len(symbols) - 1):
            rank = ranks.get((symbols[i], symbols[i + 1]))
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, i)
        if best is None:
            break
        i = best[1]
        symbols[i : i + 2] = [symbols[i] + symbols[i + 1]]
    return symbols


def _words_with_both_spacings(pieces: Iterable[str]) -> set[str]:
    words = set()
    for piece in pieces:
        bare = piece[1:] if piece.startswith(" ") else piece
        if re.fullmatch(r"\([A-Z]\)|[A-Za-z]+:?", bare):
            words.update({bare, " " + bare})
        else:
            words.add(piece)
    return words


class WordTokenizer:
    def __init__(self, vocab: list[str], merges: list[tuple[str, str]]):
        self.vocab = vocab
        self.merges = merges
        self.ids = {token: i for i, token in enumerate(vocab)}
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        self.unk_id = self.ids[UNK]
        self.bos_id = self.ids[BOS]
        self.eos_id = self.ids[EOS]
        self.newline_id = self.ids[to_byte_level("\n")]
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def build(cls, texts: Iterable[str]) -> WordTokenizer:
        """Vocabulary: specials, the 256 byte symbols, then every word piece of `texts` and the
        partial words its merges pass through (BPE needs every merge's result in the vocabulary)."""
        pieces: set[str] = set()
        for text in texts:
            pieces.update(split_pieces(text))
        byte_symbols = [BYTE_TO_CHAR[b] for b in range(256)]
        words = sorted({to_byte_level(w) for w in _words_with_both_spacings(pieces)})
        words = [word for word in words if len(word) > 1]
        # Merges: for each word, whatever the merges so far leave of it is joined left to right.
        # A merge appended later never fires inside a word already built (while a word is being
        # merged, a pair of lower rank is always available), so every word stays one token.
        merges: list[tuple[str, str]] = []
        ranks: dict[tuple[str, str], int] = {}
        for word in words:
            # A new merge may also fire elsewhere in the word, so repeat until it is whole.
            while len(parts := _apply_merges(list(word), ranks)) > 1:
                while len(parts) > 1:
                    pair = (parts[0], parts[1])
                    if pair not in ranks:
                        ranks[pair] = len(merges)
                        merges.append(pair)
                    parts = [parts[0] + parts[1], *parts[2:]]
        merged = sorted({a + b for a, b in merges} | set(words))
        tokenizer = cls([*SPECIAL_TOKENS, *byte_symbols, *merged], merges)
        for word in words:
            assert _apply_merges(list(word), tokenizer.ranks) == [word], word
        return tokenizer

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        for piece in split_pieces(text):
            cached = self._cache.get(piece)
            if cached is None:
                symbols = to_byte_level(piece)
                if symbols in self.ids:
                    cached = [self.ids[symbols]]
                else:
                    cached = [
                        self.ids.get(s, self.unk_id) for s in _apply_merges(list(symbols), self.ranks)
                    ]
                self._cache[piece] = cached
            out.extend(cached)
        return out

    def decode(self, ids: Iterable[int]) -> str:
        symbols = "".join(self.vocab[i] for i in ids if self.vocab[i] not in SPECIAL_TOKENS)
        return from_byte_level(symbols)

    def token_text(self, token_id: int) -> str:
        token = self.vocab[token_id]
        return token if token in SPECIAL_TOKENS else from_byte_level(token)

    # -- files -------------------------------------------------------------------------------

    def to_tokenizer_json(self) -> dict:
        special = {token: self.ids[token] for token in SPECIAL_TOKENS}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {
                    "id": special[token],
                    "content": token,
                    "single_word": False,
                    "lstrip": False,
                    "rstrip": False,
                    "normalized": False,
                    "special": True,
                }
                for token in SPECIAL_TOKENS
            ],
            "normalizer": None,
            "pre_tokenizer": {
                "type": "Sequence",
                "pretokenizers": [
                    {
                        "type": "Split",
                        "pattern": {"Regex": PIECE_PATTERN},
                        "behavior": "Isolated",
                        "invert": False,
                    },
                    {
                        "type": "ByteLevel",
                        "add_prefix_space": False,
                        "trim_offsets": False,
                        "use_regex": False,
                    },
                ],
            },
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [
                    {"SpecialToken": {"id": BOS, "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}},
                ],
                "pair": [
                    {"SpecialToken": {"id": BOS, "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}},
                    {"SpecialToken": {"id": BOS, "type_id": 1}},
                    {"Sequence": {"id": "B", "type_id": 1}},
                ],
                "special_tokens": {BOS: {"id": BOS, "ids": [self.bos_id], "tokens": [BOS]}},
            },
            "decoder": {
                "type": "ByteLevel",
                "add_prefix_space": False,
                "trim_offsets": False,
                "use_regex": False,
            },
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": UNK,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": True,
                "vocab": {token: i for i, token in enumerate(self.vocab)},
                "merges": [[a, b] for a, b in self.merges],
            },
        }

    @staticmethod
    def tokenizer_config(model_max_length: int) -> dict:
        return {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": BOS,
            "eos_token": EOS,
            "unk_token": UNK,
            "add_bos_token": True,
            "add_eos_token": False,
            "clean_up_tokenization_spaces": False,
            "model_max_length": model_max_length,
        }

    @classmethod
    def from_tokenizer_json(cls, path: str) -> WordTokenizer:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
        model = data["model"]
        vocab = [None] * len(model["vocab"])
        for token, i in model["vocab"].items():
            vocab[i] = token
        return cls(vocab, [tuple(pair) for pair in model["merges"]])

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(self.to_tokenizer_json(), file, ensure_ascii=False, indent=1)
            file.write("\n")
