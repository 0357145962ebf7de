"""A Llama decoder in PyTorch with the exact math and parameter names of Hugging Face's
`LlamaForCausalLM`: RMSNorm (eps from the config), rotary embedding over rotated halves with
`rope_theta`, grouped-query attention, SwiGLU feed-forward, no biases.

`state_dict()` keys are the Hugging Face tensor names (`model.layers.0.self_attn.q_proj.weight`,
...), so the checkpoint writer stores them as they are.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class LlamaShape:
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    max_position_embeddings: int = 1024
    tie_word_embeddings: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotary_tables(shape: LlamaShape, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin for `positions`, laid out as Hugging Face does: frequencies repeated over both halves."""
    inv_freq = 1.0 / (
        shape.rope_theta
        ** (torch.arange(0, shape.head_dim, 2, dtype=torch.int64).float() / shape.head_dim)
    )
    freqs = positions.float()[:, None] * inv_freq[None, :]
    angles = torch.cat((freqs, freqs), dim=-1)
    return angles.cos(), angles.sin()


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    return x * cos + rotate_half(x) * sin


class Attention(nn.Module):
    def __init__(self, shape: LlamaShape):
        super().__init__()
        self.shape = shape
        d, h, kv, hd = (
            shape.hidden_size,
            shape.num_attention_heads,
            shape.num_key_value_heads,
            shape.head_dim,
        )
        self.q_proj = nn.Linear(d, h * hd, bias=False)
        self.k_proj = nn.Linear(d, kv * hd, bias=False)
        self.v_proj = nn.Linear(d, kv * hd, bias=False)
        self.o_proj = nn.Linear(h * hd, d, bias=False)

    def forward(self, x, cos, sin, mask, cache=None, cache_position=None):
        """x [B, T, d]. With `cache` (k, v buffers [B, kv, Tmax, hd]), the new keys and values are
        written at `cache_position` and attention runs over the cache up to the end of x."""
        s = self.shape
        batch, length, _ = x.shape
        q = self.q_proj(x).view(batch, length, s.num_attention_heads, s.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, length, s.num_key_value_heads, s.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, length, s.num_key_value_heads, s.head_dim).transpose(1, 2)
        q = apply_rotary(q, cos, sin)
        k = apply_rotary(k, cos, sin)
        if cache is not None:
            cache_k, cache_v = cache
            end = cache_position + length
            cache_k[:, :, cache_position:end] = k
            cache_v[:, :, cache_position:end] = v
            k, v = cache_k[:, :, :end], cache_v[:, :, :end]
        # Grouped-query attention: query head j reads key/value head j // group, as
        # Hugging Face's repeat_kv arranges; grouping the queries avoids copying K and V.
        group = s.num_attention_heads // s.num_key_value_heads
        q = q.reshape(batch, s.num_key_value_heads, group * length, s.head_dim)
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(s.head_dim))
        scores = scores.view(batch, s.num_key_value_heads, group, length, -1) + mask
        probs = torch.softmax(scores, dim=-1).view(batch, s.num_key_value_heads, group * length, -1)
        out = torch.matmul(probs, v).view(batch, s.num_attention_heads, length, s.head_dim)
        out = out.transpose(1, 2).reshape(batch, length, s.num_attention_heads * s.head_dim)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, shape: LlamaShape):
        super().__init__()
        self.gate_proj = nn.Linear(shape.hidden_size, shape.intermediate_size, bias=False)
        self.up_proj = nn.Linear(shape.hidden_size, shape.intermediate_size, bias=False)
        self.down_proj = nn.Linear(shape.intermediate_size, shape.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, shape: LlamaShape):
        super().__init__()
        self.self_attn = Attention(shape)
        self.mlp = MLP(shape)
        self.input_layernorm = RMSNorm(shape.hidden_size, shape.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(shape.hidden_size, shape.rms_norm_eps)

    def forward(self, x, cos, sin, mask, cache=None, cache_position=None, skip_attn=False, skip_ffn=False):
        # A skipped sub-layer is the identity on the residual stream, as LiteStage's graph runs it.
        if not skip_attn:
            x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache, cache_position)
        if not skip_ffn:
            x = x + self.mlp(self.post_attention_layernorm(x))
        return x


class LlamaBody(nn.Module):
    def __init__(self, shape: LlamaShape):
        super().__init__()
        self.embed_tokens = nn.Embedding(shape.vocab_size, shape.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(shape) for _ in range(shape.num_hidden_layers))
        self.norm = RMSNorm(shape.hidden_size, shape.rms_norm_eps)


class LlamaForCausalLM(nn.Module):
    def __init__(self, shape: LlamaShape):
        super().__init__()
        self.shape = shape
        self.model = LlamaBody(shape)
        self.lm_head = nn.Linear(shape.hidden_size, shape.vocab_size, bias=False)
        if shape.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def init_weights(self, generator: torch.Generator) -> None:
        """Normal(0, 0.02) everywhere; residual output projections scaled by 1/sqrt(2 * layers)."""
        residual_std = 0.02 / math.sqrt(2 * self.shape.num_hidden_layers)
        for name, param in self.named_parameters():
            if name.endswith("layernorm.weight") or name == "model.norm.weight":
                nn.init.ones_(param)
            elif name.endswith(("o_proj.weight", "down_proj.weight")):
                with torch.no_grad():
                    param.normal_(0.0, residual_std, generator=generator)
            else:
                with torch.no_grad():
                    param.normal_(0.0, 0.02, generator=generator)

    def forward(self, input_ids, positions=None, cache=None, cache_position=0, skip=None):
        """Logits [B, T, V]. Without a cache: a causal pass over input_ids from position 0.
        With `cache` (per layer (k, v) buffers), input_ids continue the cached sequence.
        `skip`, when given, is one (skip_attn, skip_ffn) pair per layer (layer dropout)."""
        batch, length = input_ids.shape
        start = cache_position if cache is not None else 0
        if positions is None:
            positions = torch.arange(start, start + length)
        cos, sin = rotary_tables(self.shape, positions)
        total = start + length
        mask = torch.full((length, total), float("-inf")).triu(start + 1)
        x = self.model.embed_tokens(input_ids)
        for i, layer in enumerate(self.model.layers):
            skip_attn, skip_ffn = skip[i] if skip is not None else (False, False)
            x = layer(x, cos, sin, mask, None if cache is None else cache[i], start, skip_attn, skip_ffn)
        return self.lm_head(self.model.norm(x))

    def new_cache(self, batch: int, max_length: int):
        s = self.shape
        return [
            (
                torch.zeros(batch, s.num_key_value_heads, max_length, s.head_dim),
                torch.zeros(batch, s.num_key_value_heads, max_length, s.head_dim),
            )
            for _ in range(s.num_hidden_layers)
        ]

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())
