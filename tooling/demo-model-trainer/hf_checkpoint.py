"""Writes a Hugging Face `LlamaForCausalLM` checkpoint folder: config.json,
generation_config.json, model.safetensors (float32), tokenizer.json, tokenizer_config.json.

Debian has no `safetensors` package, so the format is written here: an 8-byte little-endian
header length, a JSON header (dtype, shape, data_offsets per tensor; padded with spaces to a
multiple of 8 bytes), then the raw little-endian tensor data in header order.
"""

from __future__ import annotations

import json
import os
import struct
import sys

import torch

from llama_model import LlamaForCausalLM
from word_tokenizer import WordTokenizer


def write_safetensors(path: str, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> None:
    assert sys.byteorder == "little", "safetensors stores little-endian data"
    header: dict[str, object] = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        tensor = tensors[name].detach().to(torch.float32).contiguous()
        blob = tensor.numpy().tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(header_bytes)))
        file.write(header_bytes)
        for blob in blobs:
            file.write(blob)


def read_safetensors(path: str) -> dict[str, torch.Tensor]:
    with open(path, "rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
        data = file.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", f"{path}: {name} is {entry['dtype']}, expected F32"
        start, end = entry["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).view(
            entry["shape"]
        )
    return tensors


def hf_config(model: LlamaForCausalLM, tokenizer: WordTokenizer) -> dict:
    s = model.shape
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": s.vocab_size,
        "hidden_size": s.hidden_size,
        "intermediate_size": s.intermediate_size,
        "num_hidden_layers": s.num_hidden_layers,
        "num_attention_heads": s.num_attention_heads,
        "num_key_value_heads": s.num_key_value_heads,
        "head_dim": s.head_dim,
        "hidden_act": "silu",
        "rms_norm_eps": s.rms_norm_eps,
        "rope_theta": s.rope_theta,
        "rope_scaling": None,
        "max_position_embeddings": s.max_position_embeddings,
        "tie_word_embeddings": s.tie_word_embeddings,
        "attention_bias": False,
        "attention_dropout": 0.0,
        "mlp_bias": False,
        "initializer_range": 0.02,
        "pretraining_tp": 1,
        "use_cache": True,
        "bos_token_id": tokenizer.bos_id,
        "eos_token_id": tokenizer.eos_id,
        "pad_token_id": None,
        "torch_dtype": "float32",
    }


def write_checkpoint_folder(
    folder: str,
    model: LlamaForCausalLM,
    tokenizer: WordTokenizer,
    metadata: dict[str, str],
) -> None:
    """Writes the folder's files, each through a temporary name and a rename."""
    os.makedirs(folder, exist_ok=True)

    def write_json(name: str, value: dict) -> None:
        temporary = os.path.join(folder, f".{name}.tmp")
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(value, file, indent=2, ensure_ascii=False)
            file.write("\n")
        os.replace(temporary, os.path.join(folder, name))

    state = model.state_dict()
    if model.shape.tie_word_embeddings:
        state.pop("lm_head.weight", None)
    temporary = os.path.join(folder, ".model.safetensors.tmp")
    write_safetensors(temporary, state, {"format": "pt", **metadata})
    os.replace(temporary, os.path.join(folder, "model.safetensors"))
    write_json("config.json", hf_config(model, tokenizer))
    write_json(
        "generation_config.json",
        {
            "bos_token_id": tokenizer.bos_id,
            "eos_token_id": tokenizer.eos_id,
            "do_sample": False,
            "max_new_tokens": 256,
        },
    )
    write_json("tokenizer.json", tokenizer.to_tokenizer_json())
    write_json(
        "tokenizer_config.json",
        WordTokenizer.tokenizer_config(model.shape.max_position_embeddings),
    )
