"""The lecture's "입력/출력층에 따른 종류": one recurrent layer, five ways to wire it.

Letters used in shapes: B batch, T input steps, S output steps, D vector features (a flattened
image), E embedding size, H hidden size, L num_layers, V vocabulary size, C classes or output
features.

Every recurrent model here takes ``cell``, a recurrent layer class or factory called as
``cell(input_size, hidden_size, num_layers=L, batch_first=True)``: ``torch.nn.RNN``/``LSTM``/
``GRU`` or the course's ``course_lib.rnn.RNN``, ``lstm.LSTM``, ``gru.GRU``. Its state is h_n
(L, B, H), or the pair (h_n, c_n) for an LSTM; the state helpers treat both alike.

Contents, top-down: state helpers; the two decoding loops (teacher forcing and greedy decoding)
written once for any ``step(tokens, state) -> (logits, state)``; the five topologies (one-to-one,
one-to-many, many-to-one, many-to-many aligned, encoder-decoder); losses and metrics. A padded
batch's lengths and last valid steps come from ``padding``; the diagram of the five is
``plots.draw_topologies``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .padding import last_valid, lengths_from_padding

Step = Callable[[Tensor, Any], tuple[Tensor, Any]]
"""``step(tokens (B,), state) -> (logits (B, V), new_state)``: one decoder step."""


# --- state helpers ------------------------------------------------------------------------------


def has_cell_state(layer: nn.Module) -> bool:
    """Return True when ``layer``'s state is a pair (h, c), as an LSTM's, False when it is h alone."""
    return isinstance(layer, nn.LSTM) or getattr(layer, "num_states", 1) == 2


def initial_state(layer: nn.Module, h: Tensor) -> Tensor | tuple[Tensor, Tensor]:
    """Build ``layer``'s initial state whose hidden state is ``h`` (B, H) in every layer.

    Returns h_0 (L, B, H), or (h_0, c_0) with c_0 = 0 for an LSTM.
    """
    h0 = h.unsqueeze(0).expand(layer.num_layers, -1, -1).contiguous()
    return (h0, torch.zeros_like(h0)) if has_cell_state(layer) else h0


def top_hidden(state: Tensor | tuple[Tensor, Tensor]) -> Tensor:
    """Return the top layer's hidden state (B, H) of h_n (L, B, H) or of (h_n, c_n)."""
    h = state[0] if isinstance(state, tuple) else state
    return h[-1]


# --- the two decoding loops ---------------------------------------------------------------------


def shift_right(targets: Tensor, bos_index: int) -> Tensor:
    """Teacher forcing's decoder input: <bos>, then the targets without their last token.

    targets (B, S) -> inputs (B, S) with ``inputs[:, 0] = bos`` and ``inputs[:, t] = targets[:, t-1]``.
    """
    _check_tokens("targets", targets)
    bos = torch.full_like(targets[:, :1], bos_index)
    return torch.cat([bos, targets[:, :-1]], dim=1)


def teacher_forcing(step: Step, state: Any, targets: Tensor, bos_index: int) -> Tensor:
    """Run ``step`` once per target, feeding the previous TARGET token (not the model's guess).

    targets (B, S) long; returns the logits of every step (B, S, V). The models' ``forward``
    does the same in one call of the recurrent layer; this loop is the definition.
    """
    inputs = shift_right(targets, bos_index)
    logits = []
    for t in range(targets.shape[1]):
        out, state = step(inputs[:, t], state)  # the input is the answer of step t-1
        logits.append(out)
    return torch.stack(logits, dim=1)


def greedy_decode(
    step: Step,
    state: Any,
    start_tokens: Tensor,
    max_len: int,
    eos_index: int | None = None,
    pad_index: int = 0,
) -> tuple[Tensor, Tensor]:
    """Decode greedily: feed each step's most likely token into the next step.

    start_tokens (B,) long, usually all <bos>. Stops after ``max_len`` steps, or once every row
    has produced ``eos_index``; a row's tokens after its <eos> are ``pad_index``.
    Returns tokens (B, S) and the logits of every step (B, S, V), S <= max_len.
    """
    if start_tokens.dim() != 1 or start_tokens.is_floating_point():
        raise ValueError(
            f"start_tokens must be integer token indices (batch,), got "
            f"{tuple(start_tokens.shape)} {start_tokens.dtype}"
        )
    if max_len < 1:
        raise ValueError(f"max_len must be positive, got {max_len}")
    token = start_tokens
    done = torch.zeros_like(start_tokens, dtype=torch.bool)
    tokens, logits = [], []
    for _ in range(max_len):
        out, state = step(token, state)
        token = out.argmax(dim=-1)  # the model's own best guess becomes the next input
        tokens.append(token.masked_fill(done, pad_index))
        logits.append(out)
        if eos_index is not None:
            done = done | (token == eos_index)
            if bool(done.all()):
                break
    return torch.stack(tokens, dim=1), torch.stack(logits, dim=1)


# --- the five topologies ------------------------------------------------------------------------


class OneToOne(nn.Module):
    """일 대 일 (one-to-one): a plain MLP, one input vector to one output, no time axis.

    x: (B, D) -> logits (B, C).
    """

    def __init__(self, in_features: int, hidden_size: int, out_features: int) -> None:
        super().__init__()
        self.in_features = in_features
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden_size), nn.Tanh(), nn.Linear(hidden_size, out_features)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Map x (B, D) to logits (B, C)."""
        _check_vectors("x", x, self.in_features)
        return self.net(x)


class OneToMany(nn.Module):
    """일 대 다 (one-to-many), 이미지 -> 텍스트: a vector sets the state, a decoder writes tokens.

    ``h_0 = tanh(W x + b)`` in every layer (c_0 = 0 for an LSTM); then each step reads the
    previous token's embedding and emits logits for the next token.
    Layers: ``init`` Linear(D, H), ``embed`` (V, E), ``rnn`` = cell(E, H), ``out`` Linear(H, V).
    """

    def __init__(
        self,
        in_features: int,
        vocab_size: int,
        embed_size: int,
        hidden_size: int,
        *,
        cell: Callable[..., nn.Module],
        num_layers: int = 1,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.init = nn.Linear(in_features, hidden_size)
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.rnn = cell(embed_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def start(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """The decoder's initial state from x (B, D): h_0 (L, B, H), or (h_0, c_0)."""
        _check_vectors("x", x, self.in_features)
        return initial_state(self.rnn, torch.tanh(self.init(x)))

    def decode(self, tokens: Tensor, state: Any) -> tuple[Tensor, Any]:
        """Run the decoder over input tokens (B, S) from ``state``; return logits (B, S, V), state."""
        _check_tokens("tokens", tokens)
        outputs, state = self.rnn(self.embed(tokens), state)  # (B, S, H)
        return self.out(outputs), state

    def step(self, tokens: Tensor, state: Any) -> tuple[Tensor, Any]:
        """One decoder step: tokens (B,) -> logits (B, V) and the new state."""
        logits, state = self.decode(tokens.unsqueeze(1), state)
        return logits[:, 0], state

    def forward(self, x: Tensor, tokens_in: Tensor) -> Tensor:
        """Teacher forcing: x (B, D), decoder inputs (B, S) (see ``shift_right``) -> logits (B, S, V)."""
        _check_same_batch(x, tokens_in)
        return self.decode(tokens_in, self.start(x))[0]

    @torch.no_grad()
    def generate(self, x: Tensor, *, bos_index: int, eos_index: int, max_len: int) -> Tensor:
        """Greedy decoding from x (B, D): tokens (B, S), S <= max_len, <pad> after each <eos>."""
        start = torch.full((x.shape[0],), bos_index, dtype=torch.long, device=x.device)
        return greedy_decode(self.step, self.start(x), start, max_len, eos_index)[0]


class ManyToOne(nn.Module):
    """다 대 일 (many-to-one), 텍스트 → 라벨/이미지: read a whole sentence, answer once.

    tokens (B, T) right-padded with ``pad_index``, lengths (B,) -> (B, C), read out from each
    sentence's last VALID state, so padding never changes the answer.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        hidden_size: int,
        out_features: int,
        *,
        cell: Callable[..., nn.Module],
        num_layers: int = 1,
        pad_index: int = 0,
    ) -> None:
        super().__init__()
        self.pad_index = pad_index
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=pad_index)
        self.rnn = cell(embed_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.out = nn.Linear(hidden_size, out_features)

    def forward(self, tokens: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Map tokens (B, T) (and lengths (B,), counted from the padding if None) to (B, C)."""
        _check_tokens("tokens", tokens)
        if lengths is None:
            lengths = lengths_from_padding(tokens, self.pad_index)
        outputs, _ = self.rnn(self.embed(tokens))  # (B, T, H)
        return self.out(last_valid(outputs, lengths))


class ManyToMany(nn.Module):
    """다 대 다 (many-to-many, aligned): one output per input step, e.g. a tag per word.

    tokens (B, T) -> logits (B, T, C); step t sees words 1..t only (a one-way layer).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        hidden_size: int,
        out_features: int,
        *,
        cell: Callable[..., nn.Module],
        num_layers: int = 1,
        pad_index: int = 0,
    ) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=pad_index)
        self.rnn = cell(embed_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.out = nn.Linear(hidden_size, out_features)

    def forward(self, tokens: Tensor) -> Tensor:
        """Map tokens (B, T) to per-step logits (B, T, C)."""
        _check_tokens("tokens", tokens)
        outputs, _ = self.rnn(self.embed(tokens))  # (B, T, H)
        return self.out(outputs)


class Seq2Seq(nn.Module):
    """인코더–디코더 (encoder-decoder, seq2seq), 텍스트 → 텍스트: translate a sentence.

    The encoder reads the source; its top hidden state at the last valid step is the CONTEXT
    (B, H). The context stays FIXED: every decoder step reads [previous token's embedding;
    context], while only the decoder's own state evolves (it starts from the context, with
    c_0 = 0 for an LSTM). Updating the context with the decoder state is d2l issue #2134's bug.
    Layers: ``src_embed`` (V_src, E), ``encoder`` = cell(E, H), ``tgt_embed`` (V_tgt, E),
    ``decoder`` = cell(E + H, H), ``out`` Linear(H, V_tgt).
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        embed_size: int,
        hidden_size: int,
        *,
        cell: Callable[..., nn.Module],
        num_layers: int = 1,
        pad_index: int = 0,
    ) -> None:
        super().__init__()
        self.pad_index = pad_index
        self.src_embed = nn.Embedding(src_vocab_size, embed_size, padding_idx=pad_index)
        self.encoder = cell(embed_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.tgt_embed = nn.Embedding(tgt_vocab_size, embed_size, padding_idx=pad_index)
        self.decoder = cell(
            embed_size + hidden_size, hidden_size, num_layers=num_layers, batch_first=True
        )
        self.out = nn.Linear(hidden_size, tgt_vocab_size)

    def encode(self, src: Tensor, lengths: Tensor | None = None) -> Tensor:
        """The context (B, H): the encoder's top hidden state at each source's last valid step."""
        _check_tokens("src", src)
        if lengths is None:
            lengths = lengths_from_padding(src, self.pad_index)
        outputs, _ = self.encoder(self.src_embed(src))  # (B, T, H)
        return last_valid(outputs, lengths)

    def start(self, context: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """The decoder's initial state: the context (B, H) in every layer, c_0 = 0 for an LSTM."""
        return initial_state(self.decoder, context)

    def decode(self, tokens: Tensor, context: Tensor, state: Any) -> tuple[Tensor, Any]:
        """Run the decoder over tokens (B, S) with the fixed context (B, H) -> logits (B, S, V), state."""
        _check_tokens("tokens", tokens)
        if context.dim() != 2 or context.shape[0] != tokens.shape[0]:
            raise ValueError(
                f"context must be ({tokens.shape[0]}, hidden), got {tuple(context.shape)}"
            )
        fixed = context.unsqueeze(1).expand(-1, tokens.shape[1], -1)  # the same at every step
        outputs, state = self.decoder(torch.cat([self.tgt_embed(tokens), fixed], dim=2), state)
        return self.out(outputs), state

    def forward(self, src: Tensor, tgt_in: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Teacher forcing: src (B, T), decoder inputs (B, S) (see ``shift_right``) -> (B, S, V)."""
        _check_same_batch(src, tgt_in)
        context = self.encode(src, lengths)
        return self.decode(tgt_in, context, self.start(context))[0]

    @torch.no_grad()
    def generate(
        self,
        src: Tensor,
        *,
        bos_index: int,
        eos_index: int,
        max_len: int,
        lengths: Tensor | None = None,
    ) -> Tensor:
        """Greedy translation of src (B, T): tokens (B, S), S <= max_len, <pad> after each <eos>."""
        context = self.encode(src, lengths)

        def step(tokens: Tensor, state: Any) -> tuple[Tensor, Any]:
            logits, state = self.decode(tokens.unsqueeze(1), context, state)
            return logits[:, 0], state

        start = torch.full((src.shape[0],), bos_index, dtype=torch.long, device=src.device)
        return greedy_decode(step, self.start(context), start, max_len, eos_index)[0]


class TupleInput(nn.Module):
    """Call ``model(*x)``, so that ``training.fit`` (which calls ``model(x)``) trains a two-input model.

    The wrapped model's parameters are this module's parameters: training one trains the other.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: tuple[Tensor, ...]) -> Tensor:
        """Return ``model(*x)``."""
        return self.model(*x)


# --- losses and metrics -------------------------------------------------------------------------


def sequence_loss(logits: Tensor, targets: Tensor, pad_index: int = 0) -> Tensor:
    """Mean cross-entropy over the non-<pad> targets: logits (B, S, V), targets (B, S) -> scalar."""
    if logits.dim() != 3 or logits.shape[:2] != targets.shape:
        raise ValueError(
            f"logits must be (batch, steps, vocab) matching targets {tuple(targets.shape)}, "
            f"got {tuple(logits.shape)}"
        )
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=pad_index)


def sequence_accuracy(
    predicted: Tensor, targets: Tensor, pad_index: int = 0
) -> tuple[float, float]:
    """Token accuracy and exact-match rate of predicted tokens (B, S') against targets (B, S).

    Compared where the target is not <pad> (its <eos> included, so stopping early or late
    counts as wrong); a prediction shorter than the target is padded.
    """
    if predicted.dim() != 2 or targets.dim() != 2 or predicted.shape[0] != targets.shape[0]:
        raise ValueError(
            f"predicted and targets must be (batch, steps) with one batch size, got "
            f"{tuple(predicted.shape)} and {tuple(targets.shape)}"
        )
    S = targets.shape[1]
    if predicted.shape[1] < S:
        predicted = F.pad(predicted, (0, S - predicted.shape[1]), value=pad_index)
    valid = targets != pad_index
    right = (predicted[:, :S] == targets) & valid
    token_accuracy = right.sum().item() / valid.sum().item()
    exact = (right | ~valid).all(dim=1).float().mean().item()
    return token_accuracy, exact


# --- checks -------------------------------------------------------------------------------------


def _check_tokens(name: str, tokens: Tensor) -> None:
    if not isinstance(tokens, Tensor) or tokens.dim() != 2 or tokens.is_floating_point():
        got = (
            f"{tuple(tokens.shape)} {tokens.dtype}"
            if isinstance(tokens, Tensor)
            else type(tokens).__name__
        )
        raise ValueError(f"{name} must be integer token indices (batch, steps), got {got}")


def _check_vectors(name: str, x: Tensor, features: int) -> None:
    if x.dim() != 2 or x.shape[1] != features:
        raise ValueError(f"{name} must be (batch, {features}), got {tuple(x.shape)}")


def _check_same_batch(a: Tensor, b: Tensor) -> None:
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"inputs must share the batch size: expected ({a.shape[0]}, ...), got {tuple(b.shape)}"
        )
