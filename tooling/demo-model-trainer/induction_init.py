"""Starts the model with an induction circuit already wired, so training does not have to find it.

The synthetic task's recall and analyze stages repeat the option names of the question:
after the tag ` (B)` the model must write the word that followed ` (B)` earlier. That is an
induction head (a previous-token head in one layer feeding a content-matching head in the
next), and gradient descent finds it only after a long plateau: in pilots the loss on those
names stayed at ln(160), a uniform guess, for over 5M tokens. So the weights start with one:

- every token embedding gets a shared component `c`, a constant direction after RMSNorm;
- layer 0, query head 0 reads `c` into a query and key whose rotary phases make the score
  peak at a distance of one token: it attends to the previous token. Its value is a
  projection `R` of that token's embedding, written into a residual subspace `S`;
- layer 1, query head 0 matches `R` of the current token (query) against `S` (key) on the
  slowest rotary frequencies, where the rotation is nearly constant over the context, so it
  attends to the position right after an earlier occurrence of the current token;
- optionally, layer 1's query head 1 matches `S` against `S`: the position whose previous
  token equals this position's previous token, with the option labels (` A`, `(A)`, ` (A)`)
  made alike to `R`. Analyze needs it: after "For option B," comes the word that followed
  "(B)" in the question;
- with `copy_gain`, both heads copy the attended token's embedding into the residual, and the
  output head starts as the embedding matrix, so the copy is a prediction from the start.

Everything else keeps the random initialization; training then only has to learn what the
circuit copies and how the logits read it.
"""

from __future__ import annotations

import math

import torch

from llama_model import LlamaForCausalLM


def _orthonormal_rows(count: int, size: int, generator: torch.Generator, avoid: torch.Tensor) -> torch.Tensor:
    """`count` orthonormal vectors of `size`, orthogonal to the rows of `avoid`."""
    raw = torch.randn(count + avoid.shape[0], size, generator=generator)
    raw[: avoid.shape[0]] = avoid
    q, _ = torch.linalg.qr(raw.T)
    return q.T[avoid.shape[0] :].contiguous()


def wired_rows(model: LlamaForCausalLM) -> list[tuple[torch.nn.Parameter, slice, int]]:
    """The wired weights as (parameter, index, dim): rows or columns that hold the circuit."""
    hd = model.shape.head_dim
    first, second = model.model.layers[0].self_attn, model.model.layers[1].self_attn
    rows = slice(0, hd)
    return [
        (first.q_proj.weight, rows, 0),
        (first.k_proj.weight, rows, 0),
        (first.v_proj.weight, rows, 0),
        (first.o_proj.weight, rows, 1),
        (second.q_proj.weight, slice(0, 2 * hd), 0),
        (second.k_proj.weight, rows, 0),
    ]


def hold_wired_rows(model: LlamaForCausalLM) -> None:
    """Zeroes the gradient of the wired weights (call between backward and the optimizer step),
    so the attention patterns stay put while the rest of the model learns to use them."""
    for param, index, dim in wired_rows(model):
        if param.grad is not None:
            if dim == 0:
                param.grad[index] = 0
            else:
                param.grad[:, index] = 0


@torch.no_grad()
def wire_induction_circuit(
    model: LlamaForCausalLM,
    generator: torch.Generator,
    *,
    match_dims: int = 16,
    previous_gain: float = 7.0,
    match_gain: float = 3.0,
    write_gain: float = 0.3,
    copy_gain: float = 20.0,
    head_gain: float = 5.0,
    label_groups: list[list[int]] | None = None,
) -> None:
    shape = model.shape
    d, hd = shape.hidden_size, shape.head_dim
    half = hd // 2
    if shape.num_hidden_layers < 2 or 2 * match_dims > d - 1:
        raise ValueError("the induction circuit needs two layers and room for two subspaces")
    embed = model.model.embed_tokens.weight
    token_norm = embed.norm(dim=1).mean()

    # A constant direction: the same vector added to every token embedding.
    c_hat = torch.randn(d, generator=generator)
    c_hat /= c_hat.norm()
    embed += token_norm * c_hat
    # After RMSNorm (x / rms), the constant part has length about sqrt(d / 2).
    c_after_norm = math.sqrt(d / 2)

    # R reads a token's identity; S carries the previous token's identity. Both avoid c.
    r_rows = _orthonormal_rows(match_dims, d, generator, c_hat[None])
    s_rows = _orthonormal_rows(match_dims, d, generator, torch.cat([c_hat[None], r_rows]))

    inv_freq = 1.0 / (shape.rope_theta ** (torch.arange(0, hd, 2).float() / hd))

    # Layer 0, query head 0 (key/value head 0): attend to the previous token.
    attention = model.model.layers[0].self_attn
    q = torch.zeros(hd)
    k = torch.zeros(hd)
    for pair in (0, 1):  # the two fastest rotations: score = sum cos(theta * (distance - 1))
        q[pair] = previous_gain
        k[pair] = previous_gain * math.cos(inv_freq[pair])
        k[pair + half] = previous_gain * math.sin(inv_freq[pair])
    attention.q_proj.weight[0:hd] = torch.outer(q, c_hat) / c_after_norm
    attention.k_proj.weight[0:hd] = torch.outer(k, c_hat) / c_after_norm
    value = torch.zeros(hd, d)
    value[:match_dims] = r_rows
    attention.v_proj.weight[0:hd] = value
    output = torch.zeros(d, hd)
    output[:, :match_dims] = write_gain * s_rows.T
    attention.o_proj.weight[:, 0:hd] = output

    # Layer 1, query head 0: on the slowest rotary pairs, match R(current) with S(key).
    attention = model.model.layers[1].self_attn
    slow = list(range(half - match_dims // 2, half)) + list(range(hd - match_dims // 2, hd))
    query = torch.zeros(hd, d)
    key = torch.zeros(hd, d)
    query[slow] = match_gain * r_rows
    key[slow] = match_gain * s_rows
    attention.q_proj.weight[0:hd] = query
    attention.k_proj.weight[0:hd] = key
    if label_groups:
        # Query head 1 (same keys and values): match the current position's previous token
        # with the key's previous token. After "For option B," it finds the words that
        # followed "(B)", once the labels of a group look alike to R.
        labelled = torch.zeros(hd, d)
        labelled[slow] = match_gain * s_rows
        attention.q_proj.weight[hd : 2 * hd] = labelled
        projection = r_rows.T @ r_rows
        for group in label_groups:
            shared = (embed[group] @ projection).mean(0)
            embed[group] = embed[group] - embed[group] @ projection + shared
    if copy_gain:
        # What it copies: the attended token's embedding, read through a subspace Q, which the
        # output head (started as the embedding matrix) turns into that token's logit.
        q_rows = _orthonormal_rows(hd, d, generator, torch.cat([c_hat[None], s_rows]))
        attention.v_proj.weight[0:hd] = q_rows
        attention.o_proj.weight[:, 0:hd] = copy_gain * q_rows.T
        if label_groups:
            attention.o_proj.weight[:, hd : 2 * hd] = copy_gain * q_rows.T
        if not shape.tie_word_embeddings:
            model.lm_head.weight.copy_(head_gain * (embed - token_norm * c_hat))
