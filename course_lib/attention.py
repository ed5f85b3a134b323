"""Self-attention as the lecture builds it, proven equal to PyTorch's.

The lecture's four steps are 1. encode position, 2. extract query, key and value,
3. attention weighting, 4. extract features. This module defines them as a layer is
built from its step, one section each, top to bottom:

- step 1, encode position: ``sinusoidal_positional_encoding``, ``LearnedPositionalEncoding``;
- steps 3-4, attention weighting ``softmax(Q Kᵀ · scale)`` and extract features
  ``softmax(Q Kᵀ · scale) V``: ``scaled_dot_product_attention``, which every layer calls;
- step 2, extract query, key and value: linear maps of the input, the first thing the
  layers ``SelfAttentionHead`` and ``MultiheadAttention`` do before steps 3-4.

``MultiheadAttention`` runs several heads side by side and is a drop-in for
``torch.nn.MultiheadAttention`` (same parameter names, so ``load_state_dict``
works both ways). ``AttentionTagger`` is the smallest model built from one head:
notebook 08 trains it and reads its attention maps. Helpers come last.

Shape letters used throughout: B batch, T time (sequence length), D model width
(``embed_dim``), L query length, S key/value length, E query/key feature size,
Ev value feature size, nh number of heads, hs head size (``D // nh``), C number of
classes; ``...`` stands for any leading batch dimensions.
"""

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "sinusoidal_positional_encoding",
    "LearnedPositionalEncoding",
    "scaled_dot_product_attention",
    "SelfAttentionHead",
    "MultiheadAttention",
    "AttentionTagger",
    "split_heads",
    "merge_heads",
]


# ------------------------------------------------------------- step 1. encode position


def sinusoidal_positional_encoding(
    length: int, d_model: int, base: float = 10000.0, dtype: torch.dtype = torch.float32
) -> Tensor:
    """Return the sinusoidal position table of Vaswani et al. (2017), shape (T, D).

    ``PE[t, 2i] = sin(t / base^(2i/D))`` and ``PE[t, 2i+1] = cos(t / base^(2i/D))``:
    even columns are sines, odd columns cosines, the frequency falling from 1 to
    about ``1/base`` across the columns. An odd ``d_model`` ends on a sine column.
    The table is computed in float64 and then cast to ``dtype``; it is a plain
    tensor, ready for ``plt.imshow``.
    """
    if length < 0 or d_model < 1:
        raise ValueError(f"need length >= 0 and d_model >= 1, got {length} and {d_model}")
    if base <= 0:
        raise ValueError(f"base must be positive, got {base}")
    position = torch.arange(length, dtype=torch.float64).unsqueeze(1)  # (T, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # (ceil(D/2),)
    # angle[t, i] = t / base^(2i/D)
    angle = position / base ** (two_i / d_model)  # (T, ceil(D/2))
    pe = torch.empty(length, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe.to(dtype)


class LearnedPositionalEncoding(nn.Module):
    """Add a learned position table to x: ``x + weight[:T]``, x of shape (B, T, D).

    ``weight`` (max_len, D) starts as N(0, 0.02²), GPT-2's choice, small next to
    unit-scale embeddings. ``weight[:T].detach()`` is the (T, D) table to plot.
    """

    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        if max_len < 1 or d_model < 1:
            raise ValueError(f"need max_len >= 1 and d_model >= 1, got {max_len} and {d_model}")
        self.max_len = max_len
        self.d_model = d_model
        self.weight = nn.Parameter(torch.empty(max_len, d_model))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x: Tensor) -> Tensor:
        """Return ``x + weight[:T]`` for x of shape (B, T, D) or (T, D)."""
        if x.dim() not in (2, 3) or x.shape[-1] != self.d_model:
            raise ValueError(f"x must be (batch, time, {self.d_model}), got {tuple(x.shape)}")
        length = x.shape[-2]
        if length > self.max_len:
            raise ValueError(
                f"sequence of length {length} is longer than max_len={self.max_len}; "
                "build the encoding with a larger max_len"
            )
        return x + self.weight[:length]


# ------------------------------------- steps 3-4. attention weighting and extract features


# The largest score buffer attended in one piece; longer inputs go a block of query rows at a
# time (``_attend_in_query_blocks`` says why). ``make bench`` times the result against torch.
QUERY_BLOCK_BYTES = 16 * 2**20


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    is_causal: bool = False,
    scale: float | None = None,
    return_weights: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Return ``softmax(Q Kᵀ · scale + mask) V``, as torch's ``F.scaled_dot_product_attention``.

    Args:
        query: (..., L, E).
        key: (..., S, E).
        value: (..., S, Ev). The leading dimensions of the three broadcast.
        attn_mask: broadcastable to the scores (..., L, S). Boolean: True means "may attend"
            (note: ``nn.MultiheadAttention``'s masks use the opposite convention).
            Float: added to the scores (``-inf`` masks a key out).
        is_causal: query i attends keys 0..i only (the top-left lower triangle,
            as torch). Cannot be combined with ``attn_mask``.
        scale: multiplies ``Q Kᵀ``; default ``1 / sqrt(E)``.
        return_weights: also return the attention weights.

    Returns:
        output (..., L, Ev), and with ``return_weights`` also weights (..., L, S),
        each unmasked row summing to 1.

    A query row whose every key is masked (all False, or all ``-inf``) has no
    distribution to take: ``softmax`` of an all ``-inf`` row is 0/0 = NaN. torch
    2.13's SDPA (CPU, float32 and float64, math and fused kernels) returns a row of
    ZEROS there, with zero gradient, and so does this function; its weights row is
    zeros too (never the uniform row of d2l's classic bug). ``nn.MultiheadAttention``
    is different: see ``MultiheadAttention``. A large finite negative mask value
    (say -1e9) is not "masked": the row then comes out uniform, as in torch.

    The code below is what runs unless the scores (..., L, S) would take more than
    ``QUERY_BLOCK_BYTES``; such long inputs are handed to ``_attend_in_query_blocks``,
    which runs this same code on a block of query rows at a time, with the same result.
    """
    _check_attention_inputs(query, key, value)
    length_q, length_s = query.shape[-2], key.shape[-2]
    scores_shape = (*torch.broadcast_shapes(query.shape[:-2], key.shape[:-2]), length_q, length_s)
    if is_causal:
        if attn_mask is not None:
            raise ValueError("give attn_mask or is_causal=True, not both (as torch)")
        attn_mask = torch.ones(length_q, length_s, dtype=torch.bool, device=query.device).tril()
    if attn_mask is not None:
        _check_mask(attn_mask, scores_shape)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    # long inputs of more than one query row: the steps below, run a block of rows at a time
    if length_q > 1 and math.prod(scores_shape) * query.element_size() > QUERY_BLOCK_BYTES:
        return _attend_in_query_blocks(query, key, value, attn_mask, scale, return_weights)

    # scores = Q Kᵀ · scale; scaling Q first gives the same numbers and touches L·E values, not L·S
    scores = (query * scale) @ key.transpose(-2, -1)  # (..., L, S)
    # mask: a key a query may not attend scores -inf (a float mask is added), so its weight is 0
    dead = None  # query rows with no key left to attend to
    if attn_mask is not None:
        # in place: scores is a fresh tensor that backward does not need, so autograd allows it,
        # and each (..., L, S) buffer saved is one large allocation less
        if attn_mask.dtype == torch.bool:
            scores.masked_fill_(~attn_mask, float("-inf"))
            dead = ~attn_mask.any(dim=-1, keepdim=True)
        else:
            scores += attn_mask.to(scores.dtype)
            dead = torch.isneginf(attn_mask).all(dim=-1, keepdim=True)
        if dead.any():
            # a finite row keeps softmax and its backward free of NaN; the row is zeroed below
            scores.masked_fill_(dead, 0.0)
        else:
            dead = None
    # 3. attention weighting: softmax(Q Kᵀ · scale) over the keys
    weights = torch.softmax(scores, dim=-1)  # (..., L, S)
    if dead is not None:
        weights = weights.masked_fill(dead, 0.0)
    # 4. extract features: softmax(Q Kᵀ · scale) V
    output = weights @ value  # (..., L, Ev)
    return (output, weights) if return_weights else output


def _attend_in_query_blocks(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None,
    scale: float,
    return_weights: bool,
) -> Tensor | tuple[Tensor, Tensor]:
    """Run ``scaled_dot_product_attention`` on blocks of query rows and join the results.

    Memory-efficient attention (Rabe & Staats, 2021). Each query row has a softmax of its
    own, over the keys, so a block of rows attended by itself gives that block's rows of
    the whole result: blocks change how the work is cut, not what it computes. Why
    bother: one call allocates several score-sized buffers (scores, weights, and in the
    backward pass their gradients). A buffer larger than glibc's malloc keeps for reuse
    (its largest mmap threshold) is mapped fresh from the system on every call, and each
    of its pages faults when first written; blocks of at most ``QUERY_BLOCK_BYTES`` stay
    below that, so the allocator hands the same memory back call after call. Much smaller
    blocks lose again, to the overhead of many small matrix products.

    Arguments as in ``scaled_dot_product_attention``, with attn_mask already checked
    (the causal mask already built) and scale already chosen.
    """
    length_q = query.shape[-2]
    batch = torch.broadcast_shapes(query.shape[:-2], key.shape[:-2])  # the scores' (...)
    row_bytes = math.prod(batch) * key.shape[-2] * query.element_size()  # one query row's scores
    rows = max(1, QUERY_BLOCK_BYTES // row_bytes)  # query rows per block
    query_blocks = query.split(rows, dim=-2)  # each (..., rows, E), the last one shorter
    if attn_mask is not None and attn_mask.dim() >= 2 and attn_mask.shape[-2] == length_q:
        mask_blocks = attn_mask.split(rows, dim=-2)  # the causal mask too: right query offsets
    else:
        mask_blocks = (attn_mask,) * len(query_blocks)  # the same for every query row
    outputs, weights = [], []
    for query_block, mask_block in zip(query_blocks, mask_blocks, strict=True):
        output, block_weights = scaled_dot_product_attention(
            query_block, key, value, attn_mask=mask_block, scale=scale, return_weights=True
        )
        outputs.append(output)
        if return_weights:
            weights.append(block_weights)
    output = torch.cat(outputs, dim=-2)  # (..., L, Ev)
    return (output, torch.cat(weights, dim=-2)) if return_weights else output


# -------------------------------- step 2. extract query, key and value: the layers


class SelfAttentionHead(nn.Module):
    """One self-attention head: project x to Q, K, V, then ``softmax(Q Kᵀ/√hs) V``.

    Parameters ``query``, ``key``, ``value`` are ``nn.Linear(embed_dim, head_dim)``.
    Input x: (B, T, D); output (B, T, hs), and weights (B, T, T) on request.
    """

    def __init__(self, embed_dim: int, head_dim: int, bias: bool = False) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.head_dim = head_dim
        self.query = nn.Linear(embed_dim, head_dim, bias=bias)
        self.key = nn.Linear(embed_dim, head_dim, bias=bias)
        self.value = nn.Linear(embed_dim, head_dim, bias=bias)

    def forward(
        self,
        x: Tensor,
        attn_mask: Tensor | None = None,
        is_causal: bool = False,
        return_weights: bool = False,
    ) -> Tensor | tuple[Tensor, Tensor]:
        """Attend x to itself; masks as in ``scaled_dot_product_attention`` (True = attend)."""
        if x.dim() != 3 or x.shape[-1] != self.embed_dim:
            raise ValueError(f"x must be (batch, time, {self.embed_dim}), got {tuple(x.shape)}")
        q, k, v = self.query(x), self.key(x), self.value(x)  # each (B, T, hs)
        return scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask, is_causal=is_causal, return_weights=return_weights
        )


class MultiheadAttention(nn.Module):
    """Multi-head attention, a drop-in for ``torch.nn.MultiheadAttention``.

    Parameters as torch's: ``in_proj_weight`` (3D, D) packs the query, key and
    value maps (in that order), ``in_proj_bias`` (3D,), ``out_proj`` an
    ``nn.Linear(D, D)``; initialised as torch does (same random draws in the
    same order, so equal seeds give equal weights), and ``load_state_dict``
    works in both directions. Only ``kdim = vdim = embed_dim``, ``dropout=0``
    and no ``add_bias_kv`` / ``add_zero_attn`` are supported.

    Every head attends with ``scaled_dot_product_attention``; heads are split
    with ``split_heads`` and joined with ``merge_heads``.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(
                "embed_dim must be a positive multiple of num_heads, "
                f"got {embed_dim} and {num_heads}"
            )
        if dropout != 0.0:
            raise ValueError(f"only dropout=0.0 is supported, got {dropout}")
        if add_bias_kv or add_zero_attn:
            raise ValueError("add_bias_kv and add_zero_attn are not supported")
        if kdim not in (None, embed_dim) or vdim not in (None, embed_dim):
            raise ValueError(
                f"only kdim = vdim = embed_dim ({embed_dim}) is supported, got {kdim} and {vdim}"
            )
        factory = {"device": device, "dtype": dtype}
        self.embed_dim = self.kdim = self.vdim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim, **factory))
        if bias:
            self.in_proj_bias = nn.Parameter(torch.empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias, **factory)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        # torch's order of draws: out_proj's own init ran above, then these
        nn.init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            nn.init.zeros_(self.in_proj_bias)
            nn.init.zeros_(self.out_proj.bias)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend query to key/value with every head; return (output, weights or None).

        Args:
            query: (L, B, D), or (B, L, D) with ``batch_first``, or unbatched (L, D).
            key, value: (S, B, D), or (B, S, D) with ``batch_first``, or (S, D).
            key_padding_mask: (B, S), or (S,) unbatched. Boolean True means
                IGNORE this key (padding), the opposite of the boolean mask of
                ``scaled_dot_product_attention``; float values are added to the scores.
            need_weights: also return the attention weights.
            attn_mask: (L, S) or (B·nh, L, S); boolean True means IGNORE (as
                torch's MultiheadAttention), float is added to the scores.
            average_attn_weights: average the weights over the heads.
            is_causal: a hint that ``attn_mask`` is the causal mask; as in torch it
                needs ``attn_mask`` too, and ``attn_mask`` is what is applied.

        Returns:
            output in the layout of query; weights (B, L, S) averaged or
            (B, nh, L, S) per head ((L, S) / (nh, L, S) unbatched), or None.

        A query row whose every key is masked: like torch 2.13's reference path,
        with ``need_weights=True`` its output row and weights row are NaN (a plain
        softmax of all ``-inf``); with ``need_weights=False`` its attention output
        is zeros (SDPA's convention), so the row equals ``out_proj.bias``. (torch's
        fused inference fast path, taken in eval mode without grad, returns NaN
        there instead; this module has no fast path.)
        """
        batched = query.dim() == 3
        _check_mha_inputs(self, query, key, value, batched)
        self_attention = query is key and key is value
        if not batched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        B, L, D = query.shape
        S = key.shape[1]
        if is_causal and attn_mask is None:
            raise ValueError(
                "is_causal=True needs attn_mask (the causal mask) as well, as in "
                "torch.nn.MultiheadAttention; build it with torch.ones(L, S).triu(1).bool()"
            )
        mask = self._merge_masks(attn_mask, key_padding_mask, B, L, S, query.dtype)

        # extract query, key, value: one packed projection, split into the three maps
        if self_attention:
            q, k, v = F.linear(query, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        else:
            w_q, w_k, w_v = self.in_proj_weight.chunk(3)
            b_q = b_k = b_v = None
            if self.in_proj_bias is not None:
                b_q, b_k, b_v = self.in_proj_bias.chunk(3)
            q, k, v = F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)
        q = split_heads(q, self.num_heads)  # (B, nh, L, hs)
        k = split_heads(k, self.num_heads)  # (B, nh, S, hs)
        v = split_heads(v, self.num_heads)  # (B, nh, S, hs)

        # weights only on request: long inputs would gather them from the query blocks, a copy
        out = scaled_dot_product_attention(q, k, v, attn_mask=mask, return_weights=need_weights)
        y, weights = out if need_weights else (out, None)
        if need_weights and mask is not None:
            dead = torch.isneginf(mask).all(dim=-1, keepdim=True)
            if dead.any():
                # torch's need_weights path softmaxes all -inf rows plainly: NaN, loud, kept
                y = y.masked_fill(dead, float("nan"))
                weights = weights.masked_fill(dead, float("nan"))
        y = self.out_proj(merge_heads(y))  # (B, L, D)

        if not batched:
            y = y.squeeze(0)
        elif not self.batch_first:
            y = y.transpose(0, 1)  # (L, B, D)
        if not need_weights:
            return y, None
        if average_attn_weights:
            weights = weights.mean(dim=1)  # (B, L, S)
        return y, (weights if batched else weights.squeeze(0))

    def _merge_masks(
        self,
        attn_mask: Tensor | None,
        key_padding_mask: Tensor | None,
        B: int,
        L: int,
        S: int,
        dtype: torch.dtype,
    ) -> Tensor | None:
        """Return one additive float mask broadcastable to (B, nh, L, S), or None."""
        mask = None
        if attn_mask is not None:
            heads = (B * self.num_heads, L, S)
            if attn_mask.dim() == 2 and attn_mask.shape == (L, S):
                mask = _additive(attn_mask, "attn_mask", dtype)  # (L, S)
            elif attn_mask.dim() == 3 and attn_mask.shape == heads:
                mask = _additive(attn_mask, "attn_mask", dtype).view(B, self.num_heads, L, S)
            else:
                raise ValueError(
                    f"attn_mask must be (L, S) = {(L, S)} or (B*num_heads, L, S) = {heads}, "
                    f"got {tuple(attn_mask.shape)}"
                )
        if key_padding_mask is not None:
            if key_padding_mask.shape != (B, S):
                raise ValueError(
                    f"key_padding_mask must be (batch, S) = {(B, S)}, "
                    f"got {tuple(key_padding_mask.shape)}"
                )
            padding = _additive(key_padding_mask, "key_padding_mask", dtype).view(B, 1, 1, S)
            mask = padding if mask is None else mask + padding
        return mask


# ---------------------------------------------------------------- a model of one head


class AttentionTagger(nn.Module):
    """Tag every word from what it attends to: words -> one self-attention head -> class scores.

    Words (B, T) -> embedding (D) + sinusoidal positions -> ``SelfAttentionHead(D, D)`` ->
    ``nn.Linear(D, C)`` -> scores (B, T, C). The read-out sees only the head's output, so a word
    can answer only with what its attention gathers. Keys equal to ``pad_index`` are masked out
    (a padded word is never attended to); sentences are at most ``max_len`` words.
    """

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        d_model: int = 16,
        max_len: int = 16,
        pad_index: int = 0,
    ) -> None:
        super().__init__()
        self.pad_index, self.max_len = pad_index, max_len
        self.embed = nn.Embedding(vocab_size, d_model)
        self.register_buffer("positions", sinusoidal_positional_encoding(max_len, d_model))
        self.head = SelfAttentionHead(d_model, d_model)
        self.out = nn.Linear(d_model, num_classes)

    def forward(
        self, words: Tensor, return_weights: bool = False
    ) -> Tensor | tuple[Tensor, Tensor]:
        """Return scores (B, T, C), and with ``return_weights`` the head's weights (B, T, T)."""
        if words.dim() != 2 or words.dtype != torch.long or words.shape[1] > self.max_len:
            raise ValueError(
                f"words must be (batch, time <= {self.max_len}) word indices, "
                f"got {tuple(words.shape)} {words.dtype}"
            )
        may_attend = (words != self.pad_index)[:, None, :]  # (B, 1, T): padding is never a key
        x = self.embed(words) + self.positions[: words.shape[1]]  # (B, T, D)
        y, weights = self.head(x, attn_mask=may_attend, return_weights=True)  # (B, T, D), (B, T, T)
        scores = self.out(y)  # (B, T, C)
        return (scores, weights) if return_weights else scores


# ------------------------------------------------------------------------------ helpers


def split_heads(x: Tensor, num_heads: int) -> Tensor:
    """Split the feature axis into heads: (B, T, D) -> (B, nh, T, hs), hs = D // nh."""
    if x.dim() != 3 or x.shape[-1] % num_heads:
        raise ValueError(
            f"x must be (batch, time, a multiple of num_heads={num_heads}), got {tuple(x.shape)}"
        )
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads).transpose(1, 2)  # (B, nh, T, hs)


def merge_heads(x: Tensor) -> Tensor:
    """Join the heads back side by side: (B, nh, T, hs) -> (B, T, nh·hs), inverse of split_heads."""
    if x.dim() != 4:
        raise ValueError(f"x must be (batch, heads, time, head_size), got {tuple(x.shape)}")
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).contiguous().view(B, T, nh * hs)  # (B, T, D)


def _check_attention_inputs(query: Tensor, key: Tensor, value: Tensor) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.dim() < 2:
            raise ValueError(f"{name} must be (..., length, features), got {tuple(t.shape)}")
        if not t.is_floating_point():
            raise ValueError(f"{name} must be a floating tensor, got {t.dtype}")
    if not query.dtype == key.dtype == value.dtype:
        raise ValueError(
            "query, key and value must share a dtype, "
            f"got {query.dtype}, {key.dtype} and {value.dtype}"
        )
    if key.shape[-1] != query.shape[-1]:
        raise ValueError(
            f"key must be (..., S, E={query.shape[-1]}) to match query's features, "
            f"got {tuple(key.shape)}"
        )
    if value.shape[-2] != key.shape[-2]:
        raise ValueError(
            f"value must be (..., S={key.shape[-2]}, Ev) like key's length, "
            f"got {tuple(value.shape)}"
        )
    try:
        torch.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except RuntimeError:
        raise ValueError(
            "the batch dimensions of query, key and value must broadcast, got "
            f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
        ) from None


def _check_mask(attn_mask: Tensor, scores_shape: tuple[int, ...]) -> None:
    if attn_mask.dtype != torch.bool and not attn_mask.is_floating_point():
        raise ValueError(f"attn_mask must be boolean or floating, got {attn_mask.dtype}")
    try:
        fits = torch.broadcast_shapes(attn_mask.shape, scores_shape) == scores_shape
    except RuntimeError:
        fits = False
    if not fits:
        raise ValueError(
            f"attn_mask must broadcast to (..., L, S) = {scores_shape}, "
            f"got {tuple(attn_mask.shape)}"
        )


def _check_mha_inputs(
    mha: MultiheadAttention, query: Tensor, key: Tensor, value: Tensor, batched: bool
) -> None:
    D = mha.embed_dim
    if query.dim() not in (2, 3):
        raise ValueError(
            f"query must be (L, B, {D}), (B, L, {D}) with batch_first or (L, {D}) unbatched, "
            f"got {tuple(query.shape)}"
        )
    if not batched:
        layout = f"(length, {D})"
    elif mha.batch_first:
        layout = f"(batch, length, {D})"
    else:
        layout = f"(length, batch, {D})"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.dim() != query.dim() or t.shape[-1] != D:
            raise ValueError(f"{name} must be {layout}, got {tuple(t.shape)}")
    if key.shape != value.shape:
        raise ValueError(
            "key and value must have the same shape, "
            f"got {tuple(key.shape)} and {tuple(value.shape)}"
        )
    if batched:
        batch_dim = 0 if mha.batch_first else 1
        if query.shape[batch_dim] != key.shape[batch_dim]:
            raise ValueError(
                f"query and key must have the same batch size, got {tuple(query.shape)} "
                f"and {tuple(key.shape)}"
            )


def _additive(mask: Tensor, name: str, dtype: torch.dtype) -> Tensor:
    """Turn a MultiheadAttention mask (boolean True = ignore) into one added to the scores."""
    if mask.dtype == torch.bool:
        return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill_(
            mask, float("-inf")
        )
    if not mask.is_floating_point():
        raise ValueError(f"{name} must be boolean or floating, got {mask.dtype}")
    return mask.to(dtype)
