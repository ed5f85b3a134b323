# %% [markdown]
# # 09 · 멀티 헤드 어텐션 (multi-head attention) — applying multiple self-attention heads
#
# **After this notebook you will be able to**
# - split a sequence's features into heads and merge them back (`split_heads`, `merge_heads`), and say which features each head gets;
# - build multi-head attention from its parts (packed Q/K/V projection, one scaled dot-product attention per head, `out_proj`) and check that it, and `course_lib.attention.MultiheadAttention`, equal `torch.nn.MultiheadAttention`;
# - train a small model whose two heads attend to different parts of the sentence, and plot their maps side by side;
# - measure a long-range task (the adding problem) on which one attention layer beats an LSTM and a tanh RNN within the same budget, and say why that comparison flatters attention;
# - measure how the cost of attention grows with the length $n$ (its time, and the $n^2$ weights it keeps for the backward pass) against a recurrent layer's $n$.
#
# Notebook 08 built one self-attention head: $\mathrm{softmax}(QK^\top/\sqrt{d_k})\,V$. The lecture ends with
# **"Applying multiple self-attention heads"**: several heads side by side, each with its own query, key and value
# maps, so that *each head attends to a different part of the input*; their outputs are then combined into one.

# %%
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_lib import plots
from course_lib.attention import (
    MultiheadAttention,
    merge_heads,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
    split_heads,
)
from course_lib.data import korean_vocab
from course_lib.evidence import claim, seed_table, spread, verdict
from course_lib.long_range import BASELINE_MSE, AddingRegressor, adding_test_set, train_adding
from course_lib.parallel import train_in_parallel
from course_lib.training import fit, seed_everything

seed_everything(0)
torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
torch.set_printoptions(precision=2, sci_mode=False)

# %% [markdown]
# ## 1. Heads: split the features, attend, merge
# Multi-head attention does not run $h$ full-width attentions. It projects the input to Q, K and V of width $D$ once,
# then **splits the features** into $h$ slices of size $D/h$: head 1 gets features $0..D/h-1$, head 2 the next slice,
# and so on. Each head attends with its own slice; the heads' outputs are **merged** (put side by side) back to
# width $D$. On a tiny (batch 1, 3 words, $D = 8$) tensor whose entries are numbered, with 2 heads:

# %%
x = torch.arange(24.0).view(1, 3, 8)  # (B, T, D): row t holds 8t .. 8t+7
heads = split_heads(x, num_heads=2)  # (B, nh, T, hs)
print("x:", tuple(x.shape), "→ heads:", tuple(heads.shape))
print("head 1 (features 0-3 of each word):\n", heads[0, 0])
print("head 2 (features 4-7 of each word):\n", heads[0, 1])
print("merge_heads gives x back:", torch.equal(merge_heads(heads), x))

# %% [markdown]
# The split is a `view` to (B, T, nh, hs) and a transpose to (B, nh, T, hs). A plain reshape to (B, nh, T, hs) is
# a classic bug: it has the right shape, but it cuts across time, so "head 1" would hold all of word 1 and half of
# word 2 instead of a slice of every word:

# %%
print("x.reshape(1, 2, 3, 4)[0, 0]:\n", x.reshape(1, 2, 3, 4)[0, 0])

# %% [markdown]
# ## 2. Multi-head attention from its parts, equal to `nn.MultiheadAttention`
# `nn.MultiheadAttention` keeps the three input maps packed in one matrix `in_proj_weight` (3D, D), queries first,
# then keys, then values, and mixes the merged heads with a last linear layer `out_proj`. We take a torch module in
# float64, redo its forward pass by hand with the parts above, and compare (outputs, and the weights averaged over
# heads, which torch returns by default).
#
# **Each head scales by its own width.** A head's queries and keys have $h_s = D/h$ features, not $D$, so its scores
# are divided by $\sqrt{D/h}$: the $\sqrt{d_k}$ of notebook 08 with $d_k = D/h$, the head's own width.
# `scaled_dot_product_attention` takes $d_k$ from the last axis of what it is given, here $D/h = 4$; dividing by
# $\sqrt{D}$ instead would not match torch:

# %%
torch.manual_seed(0)
D, nh = 8, 2
reference = nn.MultiheadAttention(D, nh, batch_first=True).double()
x = torch.randn(2, 5, D, dtype=torch.float64)  # (B, T, D)

q, k, v = F.linear(x, reference.in_proj_weight, reference.in_proj_bias).chunk(3, dim=-1)  # each (B, T, D)
q, k, v = (split_heads(t, nh) for t in (q, k, v))  # each (B, nh, T, hs)
per_head, weights = scaled_dot_product_attention(q, k, v, return_weights=True)  # scale 1/sqrt(hs); (B, nh, T, hs)
by_hand = reference.out_proj(merge_heads(per_head))  # combine the heads: (B, T, D)

theirs, their_weights = reference(x, x, x)
verdict("by hand vs nn.MultiheadAttention, output", by_hand, theirs, atol=1e-12)
verdict("by hand vs nn.MultiheadAttention, weights averaged over heads", weights.mean(1), their_weights, atol=1e-12)
scaled_by_D = reference.out_proj(merge_heads(scaled_dot_product_attention(q, k, v, scale=1 / math.sqrt(D))))
claim("dividing by sqrt(D) instead of sqrt(D/h) gives another output", not torch.allclose(scaled_by_D, theirs))

# %% [markdown]
# `course_lib.attention.MultiheadAttention` is that forward pass as a drop-in module: the same constructor, parameter
# names (`in_proj_weight`, `in_proj_bias`, `out_proj`), masks and returns, so torch's weights load into it. The test
# suite proves outputs and gradients equal over layouts and masks; here, after `load_state_dict`, outputs and
# weights, averaged and per head, also with a padding mask (for `nn.MultiheadAttention`, **True means "ignore this
# key"**, the opposite of SDPA's boolean mask):

# %%
ours = MultiheadAttention(D, nh, batch_first=True).double()
ours.load_state_dict(reference.state_dict())
padding = torch.tensor([[False] * 5, [False, False, False, True, True]])  # sentence 2 has 3 words + 2 pads
for name, kwargs in [("no mask", {}), ("padding mask", {"key_padding_mask": padding})]:
    for average in (True, False):
        (y1, w1), (y2, w2) = (m(x, x, x, average_attn_weights=average, **kwargs) for m in (ours, reference))
        which = f"{name}, weights {'averaged' if average else 'per head'} {tuple(w1.shape)}"
        verdict(f"{which:<43} output", y1, y2, atol=1e-12)
        verdict(f"{which:<43} weights", w1, w2, atol=1e-12)

# %% [markdown]
# ## 3. Each head attends to a different part: per-head maps
# What makes several heads worth having? One head's output at a word is a *weighted average* of values: if a word
# needs two different pieces of information from two different places, one head can only blend them. A task that
# needs exactly that: **name both neighbours** (이웃 단어 맞히기). The input is a random sequence of 6 Korean words
# of the course vocabulary; at every position the model must output the word *before* it and the word *after* it
# (`<bos>`/`<eos>` at the ends). Word identity says nothing here, only positions do, so we add the sinusoidal
# position table of notebook 08. The batches are drawn fresh at every step; the test set is 1000 other sequences.

# %%
vocab = korean_vocab()
T = 6
BOS, EOS = vocab.stoi["<bos>"], vocab.stoi["<eos>"]


def neighbour_batch(g, n=64):
    """Random word sequences (n, T) and, at each position, the previous and the next word (n, T, 2)."""
    words = torch.randint(4, len(vocab), (n, T), generator=g)  # 4: skip <pad> <bos> <eos> <unk>
    framed = torch.cat([torch.full((n, 1), BOS), words, torch.full((n, 1), EOS)], dim=1)
    return words, torch.stack([framed[:, :-2], framed[:, 2:]], dim=-1)


test_words, test_neighbours = neighbour_batch(torch.Generator().manual_seed(1), 1000)
print(" ".join(vocab.decode(test_words[0].tolist())), "→ previous words",
      " ".join(vocab.decode(test_neighbours[0, :, 0].tolist(), strip_specials=False)))

# %% [markdown]
# The model: embedding plus position, one `MultiheadAttention` layer, and a linear read-out of the (previous, next)
# word at every position. Two versions, identical but for the number of heads (width 32, so 1 head of 32 features
# or 2 heads of 16):

# %%
class NeighbourModel(nn.Module):
    """Words (B, T) -> embedding + position -> multi-head self-attention -> (prev, next) scores (B, T, 2, V)."""

    def __init__(self, num_heads, d=32):
        super().__init__()
        self.embed = nn.Embedding(len(vocab), d)
        self.register_buffer("positions", sinusoidal_positional_encoding(T, d))
        self.attention = MultiheadAttention(d, num_heads, batch_first=True)
        self.read = nn.Linear(d, 2 * len(vocab))

    def forward(self, x, return_weights=False):
        e = self.embed(x) + self.positions
        y, weights = self.attention(e, e, e, average_attn_weights=False)  # weights (B, nh, T, T)
        scores = self.read(y).unflatten(-1, (2, len(vocab)))
        return (scores, weights) if return_weights else scores

# %% [markdown]
# Each version is trained from 3 seeds (each seeds the initialisation and the batch stream), 300 steps of 64
# sequences, Adam at lr 2e-2, all six side by side, one process each (`train_in_parallel`, notebook 05):

# %%
def neighbour_loss(scores, y):
    return F.cross_entropy(scores.flatten(0, 2), y.flatten())


def neighbour_accuracy(model):
    correct = model(test_words).argmax(-1) == test_neighbours  # (N, T, 2)
    return {"previous word": correct[..., 0].float().mean().item(),
            "next word": correct[..., 1].float().mean().item()}


neighbour_models = {}
for num_heads in (1, 2):
    for seed in range(3):
        torch.manual_seed(seed)
        neighbour_models[num_heads, seed] = NeighbourModel(num_heads)
neighbour_histories = train_in_parallel(neighbour_models, lambda key, model: fit(
    model, neighbour_batch, steps=300, lr=2e-2, loss_fn=neighbour_loss, evaluate=neighbour_accuracy, seed=key[1],
    progress=False))

# %% tags=["subslide", "nbval-ignore-output"]
neighbour_scores = {f"{h} head{'s' if h > 1 else ''}": {
    metric: spread(neighbour_histories[h, seed].metrics[metric][-1] for seed in range(3))
    for metric in ("previous word", "next word")} for h in (1, 2)}
seed_table(neighbour_scores, first="test accuracy, 3 seeds")

# %%
one, two = ([v for m in neighbour_scores[name].values() for v in m.values] for name in ("1 head", "2 heads"))
claim("with 2 heads, both neighbours are named right in more than 95 % of positions at every seed", min(two) > 0.95,
      two_heads=two)
claim("with 1 head, in fewer than 80 % at every seed: at least 0.15 below 2 heads", max(one) < 0.8 and
      min(two) - max(one) >= 0.15, one_head=one)

# %% [markdown]
# The per-head maps of a 2-head model (seed 0) on the lecture's sentences "나는 밥을 먹었다 그래서 공부를 했다"
# (row = query word, column = the key it attends to):

# %% tags=["subslide"]
words = ["나는", "밥을", "먹었다", "그래서", "공부를", "했다"]
with torch.no_grad():
    _, head_maps = neighbour_models[2, 0](torch.tensor([vocab.encode(words)]), return_weights=True)
fig, axes = plots.plt.subplots(1, 2, figsize=(11, 4.2))
for h, ax in enumerate(axes):
    plots.heatmap(head_maps[0, h], xlabels=words, ylabels=words, ax=ax,
                  title=f"head {h + 1}: 어텐션 가중치", xlabel="key (attended to)", ylabel="query")
fig.tight_layout()

# %% [markdown]
# Where each head looks, at every seed, over the 1000 test sequences: the offset from each word (not the first or
# last) to the key with its largest weight.

# %%
for seed in range(3):
    with torch.no_grad():
        _, maps = neighbour_models[2, seed](test_words, return_weights=True)  # (N, 2, T, T)
    offsets = (maps.argmax(-1) - torch.arange(T))[..., 1:-1]  # (N, 2, T - 2): inner words
    looks_back, looks_ahead = ((offsets == o).float().mean((0, 2)) for o in (-1, 1))  # per head
    claim(f"seed {seed}: one head looks one word back and the other one word ahead, for over 95 % of inner words",
          {looks_back.argmax().item(), looks_ahead.argmax().item()} == {0, 1}
          and looks_back.max() > 0.95 and looks_ahead.max() > 0.95)

# %% [markdown]
# The two heads split the work: one looks one word back, the other one word ahead (the first and last words,
# which have no neighbour on one side, may look elsewhere; their answer there is `<bos>` or `<eos>`, which needs
# no look-up). A single head of the same width must blend both neighbours into one weighted average, and it did
# worse at every seed. This is the lecture's point: each head attends to a different part of the input, and
# `out_proj` combines what they found.

# %% [markdown]
# ## 4. A long-range task: the adding problem
# Notebook 05's adding problem: a sequence of $n$ (value, marker) pairs, two of them marked, one in each half;
# the target is the sum of the two marked values. Predicting the mean scores MSE $1/6 \approx 0.167$. A recurrent
# model must carry the first marked value over up to $n$ steps; the gradient that would teach it to do so vanishes
# on the way (notebook 05). Attention does not carry anything: one learned query looks at all $n$ positions at once.
#
# The attention model: each step is mapped to width 32, one **learned query** vector (a parameter, the same for
# every sequence) attends over all steps with one `MultiheadAttention` head, and a linear layer reads the result.

# %%
class AttentionAdder(nn.Module):
    """(B, n, 2) -> one learned query attends over all n steps -> the sum (B,)."""

    def __init__(self, width=32):
        super().__init__()
        self.embed = nn.Linear(2, width)
        self.query = nn.Parameter(0.1 * torch.randn(1, 1, width))
        self.attention = MultiheadAttention(width, 1, batch_first=True)
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        e = self.embed(x)  # (B, n, width)
        y, _ = self.attention(self.query.expand(len(x), -1, -1), e, e, need_weights=False)  # (B, 1, width)
        return self.out(y[:, 0]).squeeze(-1)

# %% [markdown]
# Against it, the recurrent regressor of notebooks 05-07 (`course_lib.long_range.AddingRegressor`: one recurrent
# layer and a linear read-out of its last state), as an LSTM and as a tanh RNN of the same width 32, with torch's
# `nn.LSTM` and `nn.RNN` inside (the `"torch"` backend: the course's layers equal them and these run faster on CPU).
# The budget is the same for all three: `train_adding` at $n$ = 100, 300 steps of fresh batches of 64, Adam at
# lr 3e-3, gradient clipping at 1, the test MSE on a fixed set of 500 sequences every 50 steps; 3 seeds each (the
# initialisation and the batch stream), nine runs side by side:

# %%
LENGTH = 100
builders = {"attention (learned query)": lambda: AttentionAdder(32),
            "LSTM": lambda: AddingRegressor("lstm", 32, backend="torch"),
            "tanh RNN": lambda: AddingRegressor("tanh", 32, backend="torch")}
adders = {}
for name, build in builders.items():
    for seed in range(3):
        torch.manual_seed(seed)
        adders[name, seed] = build()
runs = train_in_parallel(adders, lambda key, model: train_adding(
    model, LENGTH, steps=300, lr=3e-3, eval_every=50, test_size=500, seed=key[1], name=key[0], progress=False))
test_x, test_y = adding_test_set(LENGTH, 500)
always_one = F.mse_loss(torch.ones_like(test_y), test_y).item()
print("parameters:", {name: sum(p.numel() for p in adders[name, 0].parameters()) for name in builders})
print(f"always answering 1.0 scores {always_one:.3f} on these 500 test sequences "
      f"(1/6 = {BASELINE_MSE:.3f} in expectation)")

# %% tags=["subslide", "nbval-ignore-output"]
final = {name: {"test MSE": spread(runs[name, s].test_mse for s in range(3))} for name in builders}
seed_table(final, spec=".4f", first=f"n = {LENGTH}, 300 steps, 3 seeds")
print("attention, first evaluated step below 0.01, per seed:",
      [runs["attention (learned query)", s].steps_to(0.01) for s in range(3)])
seed_table({name: {"CPU seconds": spread(runs[name, s].seconds for s in range(3))} for name in builders}, spec=".1f")

# %%
mse = {name: [runs[name, s].test_mse for s in range(3)] for name in builders}
parameters = {name: sum(p.numel() for p in adders[name, 0].parameters()) for name in builders}
claim("the LSTM has within 10 % of the attention model's parameters, the tanh RNN fewer",
      abs(parameters["LSTM"] / parameters["attention (learned query)"] - 1) < 0.1
      and parameters["tanh RNN"] < parameters["attention (learned query)"])
claim("within 300 steps the attention model's test MSE falls below 0.01 at every seed",
      max(mse["attention (learned query)"]) < 0.01, mse=mse["attention (learned query)"])
claim("the LSTM and the tanh RNN end within 0.01 of always answering 1.0, at every seed",
      all(abs(m - always_one) < 0.01 for name in ("LSTM", "tanh RNN") for m in mse[name]), mse=mse)

# %% tags=["subslide"]
steps = runs["LSTM", 0].history.eval_steps
curves = {name: np.array([runs[name, s].history.metrics["test MSE"] for s in range(3)]) for name in builders}
ax = plots.curves({name: c.mean(0) for name, c in curves.items()}, x=steps, logy=True, hline=always_one,
                  hline_label="always 1.0", xlabel="training step", ylabel="test MSE (log scale)",
                  title=f"adding problem, $n$ = {LENGTH}: test MSE (mean and range of 3 seeds)")
for line, c in zip(ax.lines, curves.values()):  # one shaded band per model: the lowest and the highest seed
    ax.fill_between(steps, c.min(0), c.max(0), color=line.get_color(), alpha=0.2)
ax.axhline(0.01, color="black", linestyle=":", label="0.01")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the axes, off the curves
ax.figure.set_size_inches(10, 4)
ax.figure.tight_layout()

# %% [markdown]
# **What the numbers say.** Within the same 300 steps at the same learning rate, the attention model's test MSE
# falls below 0.01 at every seed, while the LSTM and the tanh RNN end within 0.01 of the score of always answering
# 1.0, at every seed: they have not found the markers. (The CPU seconds are printed apart, because they vary from run
# to run and with the load on the machine.)
#
# **The fair caveat.** This task suits attention unusually well. The answer is a sum, which ignores order, so the
# attention model needs no positions at all; and distance costs attention nothing, since every step is one
# look-up away from the query. The recurrent models are not hopeless: trained for more steps, the gated cells do
# learn the adding problem (notebooks 05 and 06 measure it at shorter lengths). What the table shows is what one
# small budget buys.

# %% [markdown]
# ## 5. The price: attention costs $n^2$, a recurrent layer $n$
# Every query meets every key, so one attention layer computes and stores an $n \times n$ weights matrix per head:
# time and memory grow as $n^2$. A recurrent layer does a fixed amount of work per step, $n$ steps in a row: time and
# memory grow as $n$, but the steps cannot run in parallel. We time one forward and backward pass of the course's own
# `MultiheadAttention` (4 heads, the module of section 2, which attends in blocks of query rows at long lengths) and
# of torch's `nn.LSTM` (its oneDNN kernel), both of width 64 on a batch of 8, for $n$ = 32 … 512:

# %%
B, width = 8, 64
torch.manual_seed(0)
layers = {"attention (4 heads)": MultiheadAttention(width, 4, batch_first=True),
          "LSTM": nn.LSTM(width, width, batch_first=True)}


def forward(name, x):
    return layers[name](x, x, x, need_weights=False)[0] if name.startswith("attention") else layers[name](x)[0]


def forward_backward(name, x):
    forward(name, x).sum().backward()

# %% [markdown]
# To measure the work and not the other programs sharing the machine, we count the process's CPU time (this
# notebook runs torch on one thread): each length gets 6 rounds, the layers taking turns; the first round warms up,
# and we keep the fastest of the other 5. One thread hides one advantage of attention: its $n^2$ work spreads over
# many cores, while the recurrent steps must run one after another.

# %%
lengths = [32, 64, 128, 256, 512]
seconds = {name: [] for name in layers}
for n in lengths:
    x = torch.randn(B, n, width, requires_grad=True)
    times = {name: [] for name in layers}
    for _ in range(6):  # the layers take turns; the first round warms up
        for name in layers:
            start = time.process_time()  # CPU time: the work itself, not the other programs sharing the cores
            forward_backward(name, x)
            times[name].append(time.process_time() - start)
    for name in layers:
        seconds[name].append(min(times[name][1:]))
exponent = {name: np.polyfit(np.log(lengths[2:]), np.log(s[2:]), 1)[0] for name, s in seconds.items()}

# %% tags=["subslide", "nbval-ignore-output"]
print(f"{'n':>5}" + "".join(f"{name + ' (CPU ms)':>31}" for name in seconds))
for i, n in enumerate(lengths):
    print(f"{n:>5}" + "".join(f"{seconds[name][i] * 1e3:>31.1f}" for name in seconds))
for name, slope in exponent.items():
    print(f"{name}: CPU time grows as n^{slope:.2f} between n = {lengths[2]} and {lengths[-1]} (the fitted slope)")

# %%
attention_exponent, lstm_exponent = exponent["attention (4 heads)"], exponent["LSTM"]
claim("between n = 128 and 512, attention's time grows with an exponent above 1.1",
      attention_exponent > 1.1, attention=attention_exponent)
claim("attention's exponent exceeds the LSTM's by more than 0.4", attention_exponent - lstm_exponent > 0.4,
      attention=attention_exponent, lstm=lstm_exponent)

# %% tags=["subslide"]
fig, ax = plots.plt.subplots(figsize=(9, 3.4))
for name, s in seconds.items():
    ax.loglog(lengths, np.array(s) * 1e3, marker="o", label=name)
reference_point = seconds["attention (4 heads)"][-1] * 1e3
for power, style in [(1, ":"), (2, "--")]:
    ax.loglog(lengths, [reference_point * (n / lengths[-1]) ** power for n in lengths], "k" + style, alpha=0.5,
              label=f"slope {power}: time $\\propto n^{power}$")
ax.set(title="forward + backward CPU time (one thread) vs length $n$", xlabel="length $n$ (log scale)",
       ylabel="CPU milliseconds (log scale)", xticks=lengths, xticklabels=[str(n) for n in lengths])
ax.set_xticks([], minor=True)
ax.yaxis.set_major_formatter("{x:g}")  # 0.1, 1, 10: plain numbers, not mathtext powers of ten
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the axes, off the curves
ax.grid(alpha=0.3, which="both")
fig.tight_layout()

# %% [markdown]
# Read the plot by its slopes. At short lengths both layers are dominated by fixed overheads and the curves are
# flat; as $n$ grows the attention curve bends up towards slope 2 and the LSTM's stays near slope 1. The fitted
# exponents between $n$ = 128 and 512 are printed above. Being timings they change from run to run, so the claims
# checked are wide: attention's above 1.1, and above the LSTM's by more than 0.4. On busy machines we measured
# attention's between 1.28 and 2.08 and the LSTM's between 0.69 and 1.11, but the gap never below 0.58.

# %% [markdown]
# **Memory** needs no stopwatch: for the backward pass, each layer keeps tensors from its forward pass, and torch
# lets us see every one of them (`torch.autograd.graph.saved_tensors_hooks`). Attention keeps the (B, heads, n, n)
# weights, besides its queries, keys and values; the LSTM keeps, at every step, its gates and cell state as well as
# its output. We count the bytes of everything each layer saves, apart from its parameters and the input they share:

# %%
def saved_for_backward(name, x):
    """Bytes of the tensors the layer's forward pass saves for backward (parameters and x not counted)."""
    shared = {t.untyped_storage().data_ptr() for t in (x, *layers[name].parameters())}
    saved = {}

    def pack(t):
        if t.untyped_storage().data_ptr() not in shared:
            saved[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        forward(name, x)
    return sum(saved.values())


memory = {name: [saved_for_backward(name, torch.randn(B, n, width, requires_grad=True)) / 2**20 for n in lengths]
          for name in layers}

# %% tags=["subslide", "nbval-ignore-output"]
print(f"{'n':>5}" + "".join(f"{name + ' saves (MB)':>32}" for name in memory))
for i, n in enumerate(lengths):
    print(f"{n:>5}" + "".join(f"{memory[name][i]:>32.2f}" for name in memory))
crossing = next(n for n, a, r in zip(lengths, *memory.values(), strict=True) if a > r)
print(f"attention saves more than the LSTM from n = {crossing} on (of the lengths measured)")

# %%
attention_mb, lstm_mb = memory["attention (4 heads)"], memory["LSTM"]
claim("from n = 256 to 512, what attention saves grows more than 3.5-fold, what the LSTM saves about 2-fold (1.8-2.2)",
      attention_mb[-1] / attention_mb[-2] > 3.5 and 1.8 < lstm_mb[-1] / lstm_mb[-2] < 2.2,
      attention=attention_mb, lstm=lstm_mb)
claim("at n = 32 the LSTM saves more than attention; at n = 512 attention saves more than the LSTM",
      lstm_mb[0] > attention_mb[0] and attention_mb[-1] > lstm_mb[-1])

# %% [markdown]
# Counted fairly, the LSTM is not cheap per step: at short lengths it saves more than attention, since it keeps
# its gates and cell state at every step. But each doubling of $n$ multiplies what attention saves by nearly 4 (its
# weights are $n \times n$) and the LSTM's by 2, so attention overtakes it, and a real model keeps this for every
# layer. That is the trade: attention reaches any position in one step and runs all positions in parallel, and pays
# for it with $n^2$; a recurrent layer is linear in $n$, but sequential, and must carry everything through its state.

# %% [markdown]
# ## Summary
# - Multi-head attention projects Q, K and V once, splits the features into $h$ heads (a `view` and a transpose, not
#   a plain reshape), runs scaled dot-product attention in each head, scaled by $\sqrt{D/h}$, the square root of the
#   head's own width, merges the heads side by side and mixes them with `out_proj`. Built from these parts, and as
#   `course_lib.attention.MultiheadAttention`, it equals `nn.MultiheadAttention` in float64 (outputs and weights,
#   checked above).
# - Heads earn their keep when a position needs information from several places: on "name both neighbours", at
#   every one of 3 seeds, the two heads of a trained model split into one looking back and one looking ahead, and a
#   single head of the same width did worse.
# - On the adding problem at length 100, with the same 300 steps and learning rate, one attention layer with a
#   learned query reached a test MSE below 0.01 at every seed, while an LSTM and a tanh RNN stayed at the score of
#   always answering 1.0. Fair caveat: the task ignores order and distance costs attention nothing.
# - The price is $n^2$: what attention saves for backward grows nearly 4× per doubling against the LSTM's 2×, and
#   its time bends toward slope 2, against the recurrent layer's linear, sequential cost.

# %% [markdown]
# ## Exercises
# The exercises are graded apart from this notebook: the grader runs only your answer cells, in order, in one
# namespace where `math`, `np` (NumPy), `torch`, `nn` (`torch.nn`) and `F` (`torch.nn.functional`) are imported,
# and nothing else of the notebook exists. So everything a function needs comes in as its arguments, or from a
# function of an earlier answer cell. An answer may import only `math`, `numpy` and `torch`; never `course_lib`;
# no `getattr`, `exec`, `eval`, `open` or `globals`, and no private (`._x`) attributes.
#
# **Warm-up 1 (1 point).** Write `split_into_heads(x, num_heads)` in torch: `x (B, T, D)` with `D` a multiple of
# `num_heads`; return `(B, num_heads, T, D // num_heads)` where head `h` holds features `h*hs` to `(h+1)*hs - 1` of
# every time step.

# %% nbgrader={"grade": false, "grade_id": "split_into_heads_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def split_into_heads(x, num_heads):
    """x (B, T, D) -> (B, num_heads, T, D // num_heads): head h holds features h*hs .. (h+1)*hs - 1."""
    ### BEGIN SOLUTION
    B, T, D = x.shape
    return x.view(B, T, num_heads, D // num_heads).transpose(1, 2)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "split_into_heads_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_split_into_heads

check_split_into_heads(split_into_heads)

# %% [markdown]
# **Warm-up 2 (1 point).** Combine the heads: `combine_heads(heads, W_o, b_o)` takes the heads' outputs
# `heads (B, nh, T, hs)` and `out_proj`'s weight `W_o (D, D)` and bias `b_o (D,)`, with `D = nh * hs`. Put the heads
# side by side at every time step (head 1's features first), then apply `out_proj`; return `(B, T, D)`.

# %% nbgrader={"grade": false, "grade_id": "combine_heads_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def combine_heads(heads, W_o, b_o):
    """heads (B, nh, T, hs), W_o (D, D), b_o (D,) -> out_proj of the heads side by side: (B, T, D)."""
    ### BEGIN SOLUTION
    B, nh, T, hs = heads.shape
    joined = heads.transpose(1, 2).reshape(B, T, nh * hs)  # (B, T, D)
    return joined @ W_o.T + b_o
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "combine_heads_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_combine_heads

check_combine_heads(combine_heads)

# %% [markdown]
# **Main exercise (5 points): `nn.MultiheadAttention`'s forward, from its parameters.** Section 2 redid the forward
# pass for self-attention only (query, key and value all `x`), with no mask, and with the course's `split_heads`
# and attention doing the work. Write the whole forward of `nn.MultiheadAttention(D, num_heads, batch_first=True)`
# yourself, from nothing but the tensors the module keeps, in the general case its forward allows: the queries come
# from one sequence and the keys and values from another (a decoder's words attending to an encoder's outputs,
# say), of another length, and the keys are padded.
#
# `multi_head_attention(query, key, value, params, num_heads, key_padding_mask)`:
# - `query (B, Tq, D)`; `key` and `value (B, Tk, D)`, two different tensors;
# - `params`: the module's `state_dict()`, a dict of `"in_proj_weight" (3D, D)`, `"in_proj_bias" (3D,)`,
#   `"out_proj.weight" (D, D)` and `"out_proj.bias" (D,)`;
# - `num_heads`, which divides `D`;
# - `key_padding_mask (B, Tk)`, boolean, in `nn.MultiheadAttention`'s convention: **True means "ignore this key"**.
#   Every row has at least one real key.
#
# Return `(output (B, Tq, D), weights (B, Tq, Tk))`, the weights averaged over the heads: what the module returns
# for `module(query, key, value, key_padding_mask=key_padding_mask)`. Passing shows that these four tensors and
# the recipe of this notebook are the whole module: the check loads the same parameters into torch's module and
# compares, on random sizes, head counts and paddings. `nn.MultiheadAttention`, `F.multi_head_attention_forward`
# and `F.scaled_dot_product_attention` are off limits; your warm-ups are not.

# %% [markdown]
# *Hint.* `in_proj_weight` stacks three `(D, D)` maps: which rows map the queries? Here each of `query`, `key`
# and `value` needs its own map. The mask has one entry per key: over which axes of the `(B, nh, Tq, Tk)` scores
# must it be repeated, and what must a masked score be for its key to get weight 0?

# %% nbgrader={"grade": false, "grade_id": "multi_head_attention_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def multi_head_attention(query, key, value, params, num_heads, key_padding_mask):
    """nn.MultiheadAttention's forward (batch_first) with ``params`` (its state_dict).

    query (B, Tq, D); key, value (B, Tk, D); key_padding_mask (B, Tk) bool, True = ignore that key.
    Returns (output (B, Tq, D), weights averaged over the heads (B, Tq, Tk)).
    """
    ### BEGIN SOLUTION
    W_q, W_k, W_v = params["in_proj_weight"].chunk(3)  # each (D, D): queries, keys, values
    b_q, b_k, b_v = params["in_proj_bias"].chunk(3)
    q = split_into_heads(query @ W_q.T + b_q, num_heads)  # (B, nh, Tq, hs)
    k = split_into_heads(key @ W_k.T + b_k, num_heads)  # (B, nh, Tk, hs)
    v = split_into_heads(value @ W_v.T + b_v, num_heads)  # (B, nh, Tk, hs)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, nh, Tq, Tk): the head's own width
    scores = scores.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))  # True: ignore the key
    weights = torch.softmax(scores, dim=-1)  # over the keys
    output = combine_heads(weights @ v, params["out_proj.weight"], params["out_proj.bias"])  # (B, Tq, D)
    return output, weights.mean(1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "multi_head_attention_check", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_multi_head_attention

check_multi_head_attention(multi_head_attention)

# %% [markdown]
# **Think further (not graded).** The attention model of section 4 used no positional encoding. Which change to the
# adding problem would make it fail without one, and what would you add to fix it?
#
# **Next:** [10 · Capstone](10_capstone.ipynb) — every model of the course on one task in one table, and a small
# Transformer block built from the course's own parts.
