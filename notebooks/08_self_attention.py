# %% [markdown]
# # 08 · 셀프 어텐션 (self-attention) — attending to the most important parts
#
# **After this notebook you will be able to**
# - say what self-attention does as a search: every word sends a query (쿼리), compares it with every word's key (키), and takes a weighted mix of their values (값);
# - run the lecture's four steps by hand on "나는 밥을 먹었다": 1. encode position, 2. extract Q, K, V, 3. the attention weighting $\mathrm{softmax}(QK^\top/\sqrt{d_k})$, 4. the features $\mathrm{softmax}(QK^\top/\sqrt{d_k})\,V$;
# - check that `course_lib.attention.scaled_dot_product_attention` equals `torch.nn.functional.scaled_dot_product_attention`;
# - show by computing it that attention without positions cannot tell "나는 밥을 먹었다" from a reordering, and that positional encoding (위치 인코딩) fixes it;
# - say exactly when the dot-product score equals the cosine similarity (코사인 유사도), and why it is divided by $\sqrt{d_k}$;
# - read an attention map of a trained model, and mask padding and the future (마스킹) without the classic fully-masked-row bug.
#
# The recurrent models of notebooks 02-07 read a sentence one word at a time and carry everything in one state.
# The lecture's last part asks for something else: **attending to the most important parts of an input**.
# Two steps: identify which parts to attend to, then extract the features with high attention. The lecture
# calls it *similar to a search problem*, and the question that drives it is
# **"How similar is the key to the query?"** (키가 쿼리와 얼마나 비슷한가?)

# %%
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_lib import plots
from course_lib.attention import (
    SelfAttentionHead,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
)
from course_lib.data import ACTIVITIES, korean_vocab, pad_batch, simple_sentences
from course_lib.tasks import ACTIVITY_NAMES, what_is_it
from course_lib.training import fit, sample_batches, seed_everything

seed_everything(0)
torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
torch.set_printoptions(precision=2, sci_mode=False)

# %% [markdown]
# ## 1. Attention as search: a query against keys
# A search engine compares your query with the key of every document and hands back the best matches.
# Attention does the same with vectors, softly: it scores the query against each key with a dot product,
# turns the scores into weights that sum to 1 (a softmax), and returns the weighted mix of the values.
# Below, one query and three keys in 2-D; the second key points the same way as the query.

# %%
query = torch.tensor([1.0, 0.5])
keys = torch.tensor([[-1.0, 0.2], [0.9, 0.6], [0.1, -1.0]])  # K_1, K_2, K_3
values = torch.tensor([[10.0], [20.0], [30.0]])

scores = keys @ query  # how similar is each key to the query?
weights = torch.softmax(scores, dim=0)
print("scores  q·K_i:", scores)
print("weights     :", weights, "sum", round(weights.sum().item(), 2))
print("output = Σ weight_i · value_i =", round((weights @ values).item(), 2))

# %% [markdown]
# The output lies closest to the value of $K_2$, the key most similar to the query. Nothing was looked up
# by a hard rule: every value contributes a little, and training can move every weight.
#
# ## 2. The four steps on "나는 밥을 먹었다"
# **Self**-attention runs that search with every word as a query against every word of the same sentence.
# We follow the lecture's four steps with small random weights (no training yet), so every number is visible.
# The words first become embeddings, vectors of size $d_{model} = 8$:

# %%
vocab = korean_vocab()
sentence = ["나는", "밥을", "먹었다"]
d_model, d_k = 8, 4
embed = nn.Embedding(len(vocab), d_model)
with torch.no_grad():
    x = embed(torch.tensor(vocab.encode(sentence)))  # (T, d_model)
print("embeddings x:", tuple(x.shape), "= (T words, d_model)")

# %% [markdown]
# **Step 1, encode position.** *Data is fed in all at once*: attention looks at the three words side by side,
# not one after another, so it needs to be told where each word stands. We add a position vector $p_t$ to the
# word at position $t$ (section 3 shows why, and where $p_t$ comes from).

# %%
positions = sinusoidal_positional_encoding(len(sentence), d_model)  # (T, d_model)
x_pos = x + positions
print(positions)

# %% [markdown]
# **Step 2, extract query, key and value.** Three linear maps of the same input: the query says what a word
# looks for, the key what it offers to be found by, the value what it hands over when found.

# %%
torch.manual_seed(1)
W_q, W_k, W_v = (torch.randn(d_model, d_k) / math.sqrt(d_model) for _ in range(3))
Q, K, V = x_pos @ W_q, x_pos @ W_k, x_pos @ W_v  # each (T, d_k)
print("Q, K, V:", tuple(Q.shape), tuple(K.shape), tuple(V.shape))

# %% [markdown]
# **Step 3, compute the attention weighting** $\mathrm{softmax}(QK^\top/\text{scaling})$: the score of query $i$
# against key $j$ is the dot product $q_i \cdot k_j$, divided by the scaling $\sqrt{d_k}$ (section 4 shows why),
# and each row is a softmax over the keys. Row $i$ says where word $i$ attends.

# %%
attention_weights = torch.softmax(Q @ K.T / math.sqrt(d_k), dim=-1)  # (T queries, T keys)
print(attention_weights)
print("each row sums to 1:", torch.allclose(attention_weights.sum(-1), torch.ones(3)))

# %% [markdown]
# **Step 4, extract features with high attention**: $A(Q, K, V) = \mathrm{softmax}(QK^\top/\sqrt{d_k})\,V$.
# Each word's output is the mix of all values, weighted by its row of the attention weighting.

# %%
features = attention_weights @ V  # (T, d_k)
print(features)

# %% [markdown]
# Steps 3 and 4 together are *scaled dot-product attention*. `course_lib.attention.scaled_dot_product_attention`
# is the same two lines with batching and masks, and it returns the weights on request. Here it is against
# PyTorch's own `F.scaled_dot_product_attention`, in float64, on a random batch of 2 sentences × 3 heads,
# without a mask, with a boolean mask and with the causal mask:

# %%
torch.manual_seed(2)
q, k, v = (torch.randn(2, 3, 5, 8, dtype=torch.float64) for _ in range(3))  # (B, heads, T, d_k)
allowed = torch.rand(5, 5) < 0.7
allowed[:, 0] = True  # every query keeps at least one key
for name, kwargs in [("no mask", {}), ("boolean mask", {"attn_mask": allowed}), ("causal", {"is_causal": True})]:
    difference = (scaled_dot_product_attention(q, k, v, **kwargs) - F.scaled_dot_product_attention(q, k, v, **kwargs)).abs().max()
    print(f"{name:<13} max |course - torch| = {difference.item():.1e}")
ours, w = scaled_dot_product_attention(Q, K, V, return_weights=True)
print("and on the sentence it equals the four steps above:", torch.allclose(ours, features), torch.allclose(w, attention_weights))

# %% [markdown]
# `SelfAttentionHead` packages steps 2-4 as a module: three `nn.Linear` maps for Q, K and V, then this function.
# These operations form one *self-attention head*, which can plug into a larger network.
#
# ## 3. Why positions? Without them attention is blind to order
# Take the head without step 1 and feed it "나는 밥을 먹었다" and the reordering "먹었다 밥을 나는" of notebook 01.
# Every word meets the same keys and values, only listed in another order, and a softmax-weighted sum does not
# care about the order of its terms. So each word gets the **same output** in both sentences: the outputs are
# just permuted along with the words.

# %%
torch.manual_seed(3)
head = SelfAttentionHead(d_model, d_k)
reordered = ["먹었다", "밥을", "나는"]
order = [sentence.index(w) for w in reordered]  # reordered[i] = sentence[order[i]]
with torch.no_grad():
    e, e_re = embed(torch.tensor([vocab.encode(sentence)])), embed(torch.tensor([vocab.encode(reordered)]))
    pe = sinusoidal_positional_encoding(3, d_model)
    without = (head(e_re) - head(e)[:, order]).abs().max().item()
    with_pe = (head(e_re + pe) - head(e + pe)[:, order]).abs().max().item()
    largest = head(e + pe).abs().max().item()
print(f"without positions: max |output(reordered) - reordered(output)| = {without:.1e}  (equal up to rounding)")
print(f"with positions:    max |output(reordered) - reordered(output)| = {with_pe:.2f}  (largest |output| {largest:.2f})")

# %% [markdown]
# Without positions, "먹었다" comes out the same whether it ends the sentence or starts it: exactly the
# bag-of-words blindness of notebook 01, now in every layer. (An RNN never had this problem: it reads in order.)
# Adding $p_t$ makes the same word at another place a different input, so the outputs change.
#
# **The sinusoidal encoding.** The original Transformer's $p_t$ is fixed, not learned:
# $p_{t,2i} = \sin(t / 10000^{2i/d})$ and $p_{t,2i+1} = \cos(t / 10000^{2i/d})$. Each pair of columns is a clock
# hand turning at its own speed, fast in the first columns, slow in the last, so every position gets a distinct
# pattern and nearby positions get similar ones. (`course_lib.attention.LearnedPositionalEncoding` is the other
# common choice: a table of vectors trained like word embeddings.)

# %%
table = sinusoidal_positional_encoding(50, 32)  # (T, d_model)
fig, axes = plots.plt.subplots(1, 2, figsize=(11, 3.6))
plots.heatmap(table.T, title="위치 인코딩 (sinusoidal positional encoding)", xlabel="position t",
              ylabel="column (2i: sin, 2i+1: cos)", cmap="RdBu", ax=axes[0])
for column in (0, 4, 10, 20):
    axes[1].plot(table[:, column], label=f"column {column}")
axes[1].set(title="four columns: fast to slow clocks", xlabel="position t", ylabel="value")
axes[1].legend(loc="lower left")
fig.tight_layout()

# %%
similarity = table @ table[10]
print("p_10 · p_t for t = 8..12:", [round(v, 1) for v in similarity[8:13].tolist()],
      "| far away, t = 40:", round(similarity[40].item(), 1))

# %% [markdown]
# ## 4. The score: dot product, cosine similarity and the scaling $\sqrt{d_k}$
# The lecture's similarity metric is the dot product, *also known as the cosine similarity*. They are related,
# not identical: $q \cdot k = \lVert q \rVert\,\lVert k \rVert \cos\theta$. So they agree
# - **exactly**, when the query and keys have norm 1;
# - **up to a constant factor** $\lVert q \rVert\,c$, when all keys have the same norm $c$: the same ranking of keys, and
#   a softmax of $q\cdot k$ is a softmax of $\cos\theta$ at another temperature;
# - **not at all** in general: a long key can win the dot product while pointing further away.

# %%
def cosine(q, K):
    return (K @ q) / (K.norm(dim=1) * q.norm())


g = torch.Generator().manual_seed(4)
q1, K1 = torch.randn(16, generator=g, dtype=torch.float64), torch.randn(5, 16, generator=g, dtype=torch.float64)
unit_q, unit_K = q1 / q1.norm(), K1 / K1.norm(dim=1, keepdim=True)
print("unit norm:       max |dot - cosine| =", f"{(unit_K @ unit_q - cosine(q1, K1)).abs().max().item():.1e}")
same_norm_K = 3.0 * unit_K  # every key has norm 3
ratio = (same_norm_K @ q1) / cosine(q1, K1)
print("equal key norms: dot / cosine =", [round(r, 3) for r in ratio.tolist()], f"= |q|·3 = {3 * q1.norm().item():.3f}")
q2, K2 = torch.tensor([1.0, 0.0]), torch.tensor([[1.0, 0.0], [3.0, 3.0]])
print("unequal norms:   dot =", K2 @ q2, "cosine =", cosine(q2, K2), "→ the winners differ")

# %% [markdown]
# **Why divide by $\sqrt{d_k}$?** If the entries of $q$ and $k$ are independent with mean 0 and variance 1,
# $q\cdot k$ is a sum of $d_k$ such products: its variance is $d_k$, so its spread grows like $\sqrt{d_k}$.
# With wide heads the raw scores are far apart, the softmax puts almost all weight on one key, and its
# gradient (which is $w_j(\delta_{ij} - w_i)$) vanishes. Dividing by $\sqrt{d_k}$ keeps the spread at 1 whatever
# the width. Measured on 2000 random queries against 16 random keys:

# %%
g = torch.Generator().manual_seed(5)
widths = [2, 8, 32, 128, 512, 2048]
rows = {"raw  q·k": [], "q·k / sqrt(d_k)": []}
for d in widths:
    qs, ks = torch.randn(2000, d, generator=g), torch.randn(16, d, generator=g)
    for name, scale in [("raw  q·k", 1.0), ("q·k / sqrt(d_k)", 1 / math.sqrt(d))]:
        w = torch.softmax(qs @ ks.T * scale, dim=-1)
        rows[name].append((w.max(-1).values.mean().item(), -(w * w.clamp_min(1e-30).log()).sum(-1).mean().item()))
print(f"{'':>6}" + "".join(f"{name:>21}" for name in rows))
print(f"{'d_k':>6}" + f"{'max weight':>12}{'entropy':>9}" * 2)
for i, d in enumerate(widths):
    print(f"{d:>6}" + "".join(f"{r[i][0]:>12.2f}{r[i][1]:>9.2f}" for r in rows.values()))
print(f"(16 keys: uniform weights have max weight {1 / 16:.4f} and entropy ln 16 = {math.log(16):.2f})")

# %%
ax = plots.curves({n: [m for m, _ in r] for n, r in rows.items()}, x=widths, hline=1 / 16, hline_label="uniform (1/16)",
                  title="softmax over 16 keys: mean largest weight vs d_k", xlabel="d_k (log scale)", ylabel="largest weight")
ax.set_xscale("log")

# %% [markdown]
# Unscaled, the largest weight climbs toward 1 as $d_k$ grows: the softmax becomes a hard choice and stops
# learning. Scaled, it stays at the same moderate value at every width.
#
# ## 5. An attention map from a trained model
# Notebook 03's task 그것은 무엇이었나? asked, at the word 그것을 ("it"), what "it" was, and the answer is the verb
# that comes *after* it: a forward RNN could only guess. Attention reads the whole sentence at once. We train one
# self-attention head (steps 1-4 with learned weights, then a linear read-out) to tag **every** word with the
# activity its sentence is about, on 그것을-sentences mixed with the corpus's one-clause sentences such as
# "나는 밥을 먹었다". The read-out sees only the attention output, so a word can answer only by attending to
# the words that tell: the object or the verb. Shorter sentences are padded, and the padding is masked out as a key.

# %%
verb_activity = {ACTIVITIES[a][1]: i for i, a in enumerate(ACTIVITY_NAMES)}


def activity_tags(sentences):
    """Words (N lists) -> indices (N, 4) and the sentence's activity at every word, -100 at padding."""
    X = pad_batch([vocab.encode(s) for s in sentences], length=4)
    y = torch.tensor([verb_activity[s[-1]] for s in sentences])[:, None].expand(-1, 4).clone()
    y[X == vocab.pad_index] = -100
    return X, y


it_sentences, _ = what_is_it(600, seed=0)
clauses = [list(s.korean) for s in simple_sentences()]
train_X, train_y = activity_tags(it_sentences + clauses * 5)
test_it, test_it_y = activity_tags(what_is_it(300, seed=1)[0])
print(tuple(train_X.shape), "training sentences, e.g.", " ".join(clauses[0]), "→", ACTIVITY_NAMES[verb_activity[clauses[0][-1]]])


class AttentionTagger(nn.Module):
    """Words (B, T) -> embedding + position -> one self-attention head -> activity scores (B, T, C)."""

    def __init__(self, d=16):
        super().__init__()
        self.embed = nn.Embedding(len(vocab), d)
        self.register_buffer("positions", sinusoidal_positional_encoding(4, d))
        self.head = SelfAttentionHead(d, d)
        self.out = nn.Linear(d, len(ACTIVITY_NAMES))

    def forward(self, x, return_weights=False):
        may_attend = (x != vocab.pad_index)[:, None, :]  # (B, 1, T): padding is never a key
        y, weights = self.head(self.embed(x) + self.positions[: x.shape[1]], attn_mask=may_attend, return_weights=True)
        return (self.out(y), weights) if return_weights else self.out(y)


def tag_loss(logits, y):
    return F.cross_entropy(logits.transpose(1, 2), y)


seed_everything(0)
tagger = AttentionTagger()
history = fit(tagger, sample_batches(train_X, train_y, 64), steps=200, lr=1e-2, loss_fn=tag_loss, desc="attention")
with torch.no_grad():
    at_it = (tagger(test_it)[:, 2].argmax(-1) == test_it_y[:, 2]).float().mean().item()
print(f"accuracy at 그것을 on new sentences: {at_it:.2f} (chance {1 / len(ACTIVITY_NAMES):.2f}; "
      "notebook 03's forward RNN stayed near chance)")

# %% [markdown]
# The attention map is the weighting of step 3 for one sentence: row = the word asking (query), column = the
# word attended to (key). Left, the lecture's sentence; right, a 그것을-sentence.

# %%
fig, axes = plots.plt.subplots(1, 2, figsize=(10, 3.6))
maps = {}
for ax, words in zip(axes, [sentence, ["나는", "어제", "그것을", "먹었다"]], strict=True):
    with torch.no_grad():
        _, weights = tagger(torch.tensor([vocab.encode(words)]), return_weights=True)
    maps[" ".join(words)] = weights[0]
    plots.heatmap(weights[0], xlabels=words, ylabels=words, annotate=True, ax=ax, colorbar=False,
                  title=f"어텐션 가중치: {' '.join(words)}", xlabel="key (attended to)", ylabel="query")
fig.tight_layout()

# %%
for text, m in maps.items():
    words = text.split()
    print(f"{text}: each word attends most to", [words[j] for j in m.argmax(-1).tolist()])

# %% [markdown]
# Every word of "나는 어제 그것을 먹었다", 그것을 included, puts its weight on 먹었다, the one word that says what
# "it" was, even though it comes later. In "나는 밥을 먹었다" too, every word looks at the verb 먹었다; 나는 says
# nothing about the activity and gets almost no weight: the head attends to the most important part. These are
# the *learned* weights of a trained head, not the random ones of section 2. (In this grammar the verb is always
# the last word, so the map alone cannot say whether the head found it by its content or by its position; with
# positions added, either is open to it.)
#
# ## 6. Masking (마스킹): padding, the future, and a row with nothing left
# A mask forbids some query-key pairs: their score becomes $-\infty$ before the softmax, so their weight is exactly 0.
# Two masks are everywhere. A **padding mask** hides the `<pad>` keys of shorter sentences (the tagger above used
# one). A **causal mask** lets query $i$ see keys $0..i$ only, for a model that must not read the future, e.g. one that
# writes word by word. `course_lib`'s boolean masks follow torch's SDPA: **True means "may attend"**.

# %%
torch.manual_seed(6)
q4, k4, v4 = (torch.randn(4, 3, dtype=torch.float64) for _ in range(3))
padding = torch.tensor([True, True, True, False])  # the 4th key is <pad>
_, w_pad = scaled_dot_product_attention(q4, k4, v4, attn_mask=padding, return_weights=True)
_, w_causal = scaled_dot_product_attention(q4, k4, v4, is_causal=True, return_weights=True)
print("padding mask, weights:\n", w_pad)
print("causal mask, weights:\n", w_causal)

# %% [markdown]
# What if a query has **no** key left, say a padding query under a causal-and-padding mask, or a sentence that is all
# padding? The softmax of a row of $-\infty$ is $0/0$: NaN. torch's SDPA returns a row of **zeros** there (the
# query receives nothing), and so does `course_lib`. The classic bug (d2l's masked softmax) fills masked scores with
# a large finite number such as $-10^6$ instead of $-\infty$: then all scores in the dead row are equal and the row
# comes out **uniform**, the query silently attending to padding as if it were words.

# %%
nothing = torch.ones(4, 4, dtype=torch.bool)
nothing[1] = False  # query 2 may attend to no key at all
out, w_dead = scaled_dot_product_attention(q4, k4, v4, attn_mask=nothing, return_weights=True)
torch_out = F.scaled_dot_product_attention(q4, k4, v4, attn_mask=nothing)
scores4 = q4 @ k4.T / math.sqrt(3)
print("course weights, row 2:      ", w_dead[1])
print("course output,  row 2:      ", out[1], "| torch SDPA's:", torch_out[1])
print("plain softmax of -inf, row 2:", torch.softmax(scores4.masked_fill(~nothing, float("-inf")), -1)[1])
print("fill with -1e6 (the bug):    ", torch.softmax(scores4.masked_fill(~nothing, -1e6), -1)[1])

# %% [markdown]
# Zeros are the honest answer: nothing to attend to, nothing received. NaN would spread through the rest of the
# network, and uniform weights would hide the problem. (`nn.MultiheadAttention`, the subject of the next notebook,
# keeps the NaN when it returns weights; `course_lib.attention.MultiheadAttention` does the same, as its docstring says.)
#
# ## Summary
# - Self-attention is a soft search: every word's query is scored against every word's key, the scores become
#   weights with a softmax, and the output is the weighted mix of the values. The lecture's four steps: 1. encode
#   position, 2. extract Q, K, V, 3. $\mathrm{softmax}(QK^\top/\sqrt{d_k})$, 4. $\mathrm{softmax}(QK^\top/\sqrt{d_k})\,V$.
#   `course_lib`'s function equals torch's SDPA (measured above in float64, with and without masks).
# - Data is fed in all at once, so without positions attention cannot tell a sentence from a reordering: the
#   outputs were the same, only permuted. Adding the sinusoidal encoding makes them differ.
# - The dot product equals the cosine similarity only for unit vectors, and is proportional to it when the key
#   norms are equal. Unscaled scores saturate the softmax as $d_k$ grows; dividing by $\sqrt{d_k}$ keeps it soft.
# - A trained head attends to the words that carry the answer: 그것을 looked ahead to the verb, which a forward
#   RNN cannot do. Masks set weights to exactly 0; a query with no key left gets zeros, never uniform weights.
#
# ## Exercises
# Each answer cell has a check cell below it that runs your function on fresh random inputs.
#
# **Exercise 1 (3 points).** Write the attention weighting with a mask: `attention_weighting(q, k, mask)` with
# `q (B, L, E)`, `k (B, S, E)` (float64 torch tensors) and a boolean `mask (L, S)`, True where a query may attend to a
# key. Return the weights `softmax(q kᵀ / √E)` over the keys, `(B, L, S)`, with masked pairs at exactly 0, and a row
# of **zeros** for a query whose every key is masked.

# %% nbgrader={"grade": false, "grade_id": "attention_weighting_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def attention_weighting(q, k, mask):
    ### BEGIN SOLUTION
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~mask, float("-inf"))
    dead = ~mask.any(dim=-1, keepdim=True)  # queries with no key left
    weights = torch.softmax(scores.masked_fill(dead, 0.0), dim=-1)
    return weights.masked_fill(dead, 0.0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "attention_weighting_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_attention_weighting

check_attention_weighting(attention_weighting)

# %% [markdown]
# **Exercise 2 (2 points).** Write the sinusoidal positional encoding in NumPy for any positions:
# `sinusoidal_encoding(positions, d_model)` with `positions` an integer array `(T,)` and an even `d_model`; return a
# float64 array `(T, d_model)` with `PE[t, 2i] = sin(positions[t] / 10000^(2i/d_model))` and
# `PE[t, 2i+1] = cos(positions[t] / 10000^(2i/d_model))`.

# %% nbgrader={"grade": false, "grade_id": "sinusoidal_encoding_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sinusoidal_encoding(positions, d_model):
    ### BEGIN SOLUTION
    two_i = np.arange(0, d_model, 2)
    angle = positions[:, None] / 10000.0 ** (two_i / d_model)  # (T, d_model / 2)
    pe = np.zeros((len(positions), d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "sinusoidal_encoding_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_sinusoidal_encoding

check_sinusoidal_encoding(sinusoidal_encoding)

# %% [markdown]
# **Think further (not graded).** Section 3 showed that attention without positions is *permutation equivariant*:
# reorder the input, and the output is reordered the same way. Which part of $\mathrm{softmax}(QK^\top/\sqrt{d_k})V$ would
# you have to change to break that without adding positions, and would the result still be attention?
#
# **Next:** [09 · 멀티 헤드 어텐션 (multi-head attention)](09_multi_head_attention.ipynb) — several heads side by
# side, each attending to a different part of the input.
