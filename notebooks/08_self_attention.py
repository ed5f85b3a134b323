# %% [markdown]
# # 08 · 셀프 어텐션 (self-attention) — attending to the most important parts
#
# **After this notebook you will be able to**
# - say what self-attention does as a search: every word sends a query (쿼리), compares it with every word's key (키), and takes a weighted mix of their values (값);
# - run the lecture's four steps by hand on "나는 밥을 먹었다": 1. encode position, 2. extract Q, K, V, 3. the attention weighting $\mathrm{softmax}(QK^\top/\sqrt{d_k})$, 4. the features $\mathrm{softmax}(QK^\top/\sqrt{d_k})\,V$;
# - check that `course_lib.attention.scaled_dot_product_attention` equals `torch.nn.functional.scaled_dot_product_attention`;
# - show by computing it that attention without positions cannot tell "나는 밥을 먹었다" from a reordering, and that positional encoding (위치 인코딩) fixes it;
# - say exactly when the dot-product score equals the cosine similarity (코사인 유사도), and why it is divided by $\sqrt{d_k}$;
# - read an attention map of a trained model, and test whether it finds a word by what it is or by where it stands, by moving the words;
# - mask padding and the future (마스킹), and say what a query with no key left must receive.
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
    AttentionTagger,
    SelfAttentionHead,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
)
from course_lib.data import (
    ACTIVITIES, AND, BOUGHT, CONNECTIVE, IT, TIME_WORDS, korean_vocab, noun, simple_sentences,
)
from course_lib.evidence import claim, verdict
from course_lib.padding import pad_batch
from course_lib.parallel import train_in_parallel
from course_lib.tasks import ACTIVITY_NAMES, NOUNS, what_is_it, which_one
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

# %% [markdown]
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
# **Step 2, extract query, key and value (쿼리, 키, 값).** Three linear maps of the same input: the query says what a word
# looks for, the key what it offers to be found by, the value what it hands over when found.

# %%
torch.manual_seed(1)
W_q, W_k, W_v = (torch.randn(d_model, d_k) / math.sqrt(d_model) for _ in range(3))
Q, K, V = x_pos @ W_q, x_pos @ W_k, x_pos @ W_v  # each (T, d_k)
print("Q, K, V:", tuple(Q.shape), tuple(K.shape), tuple(V.shape))

# %% [markdown]
# **Step 3, compute the attention weighting (어텐션 가중치)** $\mathrm{softmax}(QK^\top/\text{scaling})$: the score of query $i$
# against key $j$ is the dot product $q_i \cdot k_j$, divided by the scaling $\sqrt{d_k}$ (section 4 shows why),
# and each row is a softmax over the keys. Row $i$ says where word $i$ attends.

# %%
attention_weights = torch.softmax(Q @ K.T / math.sqrt(d_k), dim=-1)  # (T queries, T keys)
print(attention_weights)
claim("each row sums to 1", torch.allclose(attention_weights.sum(-1), torch.ones(3)))

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
# without a mask, with a boolean mask and with the causal mask, and on the sentence against the four steps above:

# %%
torch.manual_seed(2)
q, k, v = (torch.randn(2, 3, 5, 8, dtype=torch.float64) for _ in range(3))  # (B, heads, T, d_k)
allowed = torch.rand(5, 5) < 0.7
allowed[:, 0] = True  # every query keeps at least one key
for name, kwargs in [("no mask", {}), ("boolean mask", {"attn_mask": allowed}), ("causal", {"is_causal": True})]:
    verdict(f"{name:<12} course vs torch", scaled_dot_product_attention(q, k, v, **kwargs),
            F.scaled_dot_product_attention(q, k, v, **kwargs), atol=1e-12)
ours, w = scaled_dot_product_attention(Q, K, V, return_weights=True)
verdict("the sentence: output vs step 4", ours, features, atol=1e-6)
verdict("the sentence: weights vs step 3", w, attention_weights, atol=1e-6)

# %% [markdown]
# `SelfAttentionHead` packages steps 2-4 as a module: three `nn.Linear` maps for Q, K and V, then this function.
# These operations form one *self-attention head*, which can plug into a larger network.

# %% [markdown]
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
    verdict("without positions: output(reordered) vs reordered(output)", head(e_re), head(e)[:, order], atol=1e-6)
    with_pe = (head(e_re + pe) - head(e + pe)[:, order]).abs().max().item()
    largest = head(e + pe).abs().max().item()
print(f"with positions:    max |output(reordered) - reordered(output)| = {with_pe:.2f}  "
      f"(largest |output| {largest:.2f})")
claim("with positions, reordering the words changes their outputs (by more than 0.01)", with_pe > 0.01,
      difference=with_pe)

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
similarity = table @ table[10]
print("p_10 · p_t for t = 8..12:", [round(v, 1) for v in similarity[8:13].tolist()],
      "| far away, t = 40:", round(similarity[40].item(), 1))
claim("p_10 is most similar to itself, and nearby positions are more similar than t = 40",
      similarity.argmax().item() == 10 and similarity[8:13].min() > similarity[40])

# %% tags=["subslide"]
fig, axes = plots.plt.subplots(1, 2, figsize=(12, 4))
plots.heatmap(table.T, title="위치 인코딩 (sinusoidal positional encoding)", xlabel="position $t$",
              ylabel="column ($2i$: sin, $2i+1$: cos)", cmap="RdBu", ax=axes[0])
for column in (0, 4, 10, 20):
    axes[1].plot(table[:, column], label=f"column {column}")
axes[1].set(title="four columns: fast to slow clocks", xlabel="position $t$", ylabel="value")
axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()

# %% [markdown]
# ## 4. The score: dot product, cosine similarity and the scaling $\sqrt{d_k}$
# The lecture's similarity metric is the dot product, *also known as the cosine similarity* (코사인 유사도). They
# are related, not identical: $q \cdot k = \lVert q \rVert\,\lVert k \rVert \cos\theta$. So they agree
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
verdict("unit norm: dot product vs cosine", unit_K @ unit_q, cosine(q1, K1), atol=1e-12)
same_norm_K = 3.0 * unit_K  # every key has norm 3
ratio = (same_norm_K @ q1) / cosine(q1, K1)
print("equal key norms: dot / cosine =", [round(r, 3) for r in ratio.tolist()],
      f"= |q|·3 = {3 * q1.norm().item():.3f}")
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

# %% tags=["subslide"]
raw, scaled = ([m for m, _ in r] for r in rows.values())
claim("unscaled, the largest weight grows with every widening of d_k, to above 0.9 at d_k = 2048",
      all(a < b for a, b in zip(raw, raw[1:])) and raw[-1] > 0.9, raw=raw)
claim("scaled, it stays between 0.2 and 0.3 at every width", all(0.2 < m < 0.3 for m in scaled), scaled=scaled)
fig, ax = plots.plt.subplots(figsize=(10, 3.3), layout="constrained")
plots.curves({r"raw $q \cdot k$": raw, r"$q \cdot k \,/\, \sqrt{d_k}$": scaled}, x=widths, hline=1 / 16, ax=ax,
             hline_label="uniform (1/16)", title="softmax over 16 keys: mean largest weight against $d_k$",
             xlabel="$d_k$ (log scale)", ylabel="largest weight")
ax.set_xscale("log")
ax.set_xticks(widths, [str(d) for d in widths])
ax.minorticks_off()

# %% [markdown]
# Unscaled, the largest weight climbs toward 1 as $d_k$ grows: the softmax becomes a hard choice. That matters
# **at initialisation**: a head whose weights start out saturated passes almost no gradient to the keys it
# ignores, so it cannot find out where to look. It is not a rule about trained heads: a head that has learned
# where to look may end with nearly all its weight on one key (the next section shows one).

# %% [markdown]
# ## 5. An attention map from a trained model
# In notebook 03 the answer at the word 그것을 ("it") depended on the verb that comes *after* it, so a model that
# reads left to right must answer before it has seen it. Attention reads the whole sentence at once. A small task first:
# `course_lib.tasks.what_is_it` makes sentences like "나는 어제 그것을 먹었다", where only the verb says what 그것 was.
# `AttentionTagger` (`course_lib.attention`: embedding plus position, one self-attention head as above, then a linear
# read-out) learns to tag **every** word with the activity its sentence is about, on these sentences mixed with the
# corpus's one-clause sentences such as "나는 밥을 먹었다". The read-out sees only the head's output, so a word can
# answer only by attending to the words that tell: the object or the verb. Padding is masked out as a key. The test
# sentences are held out (`split="test"`): none of them is ever drawn for training.

# %%
verb_activity = {ACTIVITIES[a][1]: i for i, a in enumerate(ACTIVITY_NAMES)}


def activity_tags(sentences):
    """Words (N lists) -> indices (N, 4) and the sentence's activity at every word, -100 at padding."""
    X = pad_batch([vocab.encode(s) for s in sentences], length=4)
    y = torch.tensor([verb_activity[s[-1]] for s in sentences])[:, None].expand(-1, 4).clone()
    y[X == vocab.pad_index] = -100
    return X, y


def tag_loss(scores, y):
    return F.cross_entropy(scores.transpose(1, 2), y)


# %% tags=["subslide"]
train_it, test_it = what_is_it(600, split="train", seed=0)[0], what_is_it(300, split="test", seed=1)[0]
clauses = [list(s.korean) for s in simple_sentences()]
train_X, train_y = activity_tags(train_it + clauses * 5)
test_X, test_y = activity_tags(test_it)
print(tuple(train_X.shape), "training sentences, e.g.", " ".join(clauses[0]), "→",
      ACTIVITY_NAMES[verb_activity[clauses[0][-1]]])
claim("no test sentence occurs among the training sentences",
      not {tuple(s) for s in test_it} & {tuple(s) for s in train_it})

# %%
seed_everything(0)
tagger = AttentionTagger(len(vocab), len(ACTIVITY_NAMES), d_model=16, max_len=4, pad_index=vocab.pad_index)
history = fit(tagger, sample_batches(train_X, train_y, 64), steps=200, lr=1e-2, loss_fn=tag_loss, desc="attention")

# %% tags=["nbval-ignore-output"]
with torch.no_grad():
    at_it = (tagger(test_X)[:, 2].argmax(-1) == test_y[:, 2]).float().mean().item()
print(f"accuracy at 그것을 on held-out sentences: {at_it:.2f} (chance {1 / len(ACTIVITY_NAMES):.2f})")
claim("at 그것을 the head names the activity of at least 95 % of held-out sentences", at_it >= 0.95, accuracy=at_it)

# %% [markdown]
# The attention map is the 어텐션 가중치 (attention weighting) of step 3 for one sentence: row = the word asking
# (query), column = the word attended to (key). Left, the lecture's sentence; right, a 그것을-sentence.

# %%
fig, axes = plots.plt.subplots(1, 2, figsize=(12, 3.6), layout="constrained")
maps = {}
for ax, words in zip(axes, [sentence, ["나는", "어제", "그것을", "먹었다"]], strict=True):
    with torch.no_grad():
        _, weights = tagger(torch.tensor([vocab.encode(words)]), return_weights=True)
    maps[" ".join(words)] = weights[0]
    plots.heatmap(weights[0], xlabels=words, ylabels=words, annotate=True, ax=ax,
                  title=f"어텐션 가중치: {' '.join(words)}", xlabel="key (attended to)", ylabel="query")

# %% tags=["subslide", "nbval-ignore-output"]
for text, m in maps.items():
    print(f"{text}: each word attends most to", [text.split()[j] for j in m.argmax(-1).tolist()],
          f"(smallest of these weights: {m.max(-1).values.min():.2f})")
claim("in both sentences every word's largest weight, above 0.9, is on the verb 먹었다",
      all(m.argmax(-1).eq(len(m) - 1).all() and m.max(-1).values.min() > 0.9 for m in maps.values()))

# %% [markdown]
# Every word of "나는 어제 그것을 먹었다", 그것을 included, puts nearly all its weight on 먹었다, the one word that says
# what "it" was, even though it comes later. In "나는 밥을 먹었다" too, every word looks at the verb; 나는 says nothing
# about the activity and gets almost no weight. These are the *learned* weights of a trained head, not the random
# ones of section 2, and they are a hard choice, the saturated softmax of section 4, here in a trained head that
# chose the right word.
#
# What the map cannot say is *how* the head found 먹었다. In these sentences the verb is always the last word, so
# the head may look for what the word is, or for where it stands: with positions added, either is open to it.
# To tell them apart, the words must move.

# %% [markdown]
# ## 6. When the informative words move
# Notebook 03's task 그것은 어느 것이었나? ("which one was it?"): in "나는 빵하고 우유를 샀다 그래서 그것을 마셨다",
# 그것 is 우유, the one of the two things bought that fits the verb. The answer at 그것을 needs both sides: the two
# things before it and the verb after it. `which_one(..., time_words=(0, 2))` puts 0 to 2 time words after the
# subject ("나는 어제 방금 빵하고 …"), which moves every later word by up to two places, and the thing meant is the
# first of the two in some sentences and the second in others.

# %% [markdown]
# One head cannot point at the thing meant. 그것을's query is made from the word 그것을 and its position only, the
# same whichever verb follows, so it has no reason to prefer 우유 over 빵 before it has read 마셨다. What it can do
# is gather the three words that matter, both things and the verb, and leave the rest to the read-out: the answer
# is the thing that is in the sentence and fits the verb. The same `AttentionTagger` (width 32) learns to name the
# thing at 그것을 (one of 17), 800 steps of 64 sentences, Adam at lr 1e-2, from 4 seeds (each seeds the
# initialisation and the batch stream), trained side by side (`train_in_parallel`).

# %%
def encode(sentences, targets):
    return pad_batch([vocab.encode(s) for s in sentences], length=targets.shape[1])


train_s, train_t = which_one(3000, time_words=(0, 2), split="train", seed=0)
test_s, test_t = which_one(500, time_words=(0, 2), split="test", seed=1)
print(" ".join(test_s[0]), "→ 그것 =", NOUNS[test_t[0, test_s[0].index(IT)]])
claim("no test sentence occurs among the training sentences",
      not {tuple(s) for s in test_s} & {tuple(s) for s in train_s})
taggers = {}
for seed in range(4):
    torch.manual_seed(seed)
    taggers[seed] = AttentionTagger(len(vocab), len(NOUNS), d_model=32, max_len=train_t.shape[1],
                                    pad_index=vocab.pad_index)
train_S = encode(train_s, train_t)
histories = train_in_parallel(taggers, lambda seed, model: fit(
    model, sample_batches(train_S, train_t, 64), steps=800, lr=1e-2, loss_fn=tag_loss, seed=seed, progress=False))

# %% [markdown]
# Where does 그것을 look? For each seed, on the held-out sentences: the accuracy at 그것을, the share of its weight
# that falls on the three informative words (an even spread over the 7-9 words would give them 33-43 %), how
# often its largest weight falls on one of them, and how large that largest weight is (1: a hard choice).
#
# And a **probe** that puts words where training never had them: each held-out sentence with its time words moved
# from after the subject to after 그래서 ("나는 빵하고 우유를 샀다 그래서 어제 그것을 마셨다"). 그것을 keeps its place,
# and the two things now stand up to two words further from it than in any training sentence.

# %%
def time_words_after_so(words):
    """The sentence with its time words moved from after the subject to after 그래서 (so)."""
    times, rest = [w for w in words if w in TIME_WORDS], [w for w in words if w not in TIME_WORDS]
    so = rest.index(CONNECTIVE[0]) + 1
    return rest[:so] + times + rest[so:]


probe_s = [time_words_after_so(words) for words in test_s]  # 그것을 keeps its index: the same targets
example = next(i for i, words in enumerate(test_s) if any(w in TIME_WORDS for w in words))
print(" ".join(test_s[example]), "→", " ".join(probe_s[example]))

# %% tags=["subslide"]
def where_it_looks(model, sentences, targets):
    """Accuracy at 그것을 and, averaged over the sentences, where 그것을's attention goes."""
    with torch.no_grad():
        scores, weights = model(encode(sentences, targets), return_weights=True)
    at = targets != -100  # (N, T): 그것을 in each sentence
    row = weights[at]  # (N, T): 그것을's weights
    informative = torch.zeros_like(row, dtype=torch.bool)
    for i, words in enumerate(sentences):  # the two things (A하고 B를 샀다) and the verb (the last word)
        informative[i, [words.index(BOUGHT) - 2, words.index(BOUGHT) - 1, len(words) - 1]] = True
    return {"accuracy": (scores[at].argmax(-1) == targets[at]).float().mean().item(),
            "weight on the 3": (row * informative).sum(-1).mean().item(),
            "largest on one of the 3": informative.gather(1, row.argmax(-1, keepdim=True)).float().mean().item(),
            "largest weight": row.max(-1).values.mean().item()}


looks = {seed: {"held-out": where_it_looks(m, test_s, test_t), "probe": where_it_looks(m, probe_s, test_t)}
         for seed, m in taggers.items()}

# %% tags=["subslide", "nbval-ignore-output"]
print(f"{'seed':<6}{'sentences':<10}" + "".join(f"{name:>25}" for name in looks[0]["held-out"]))
for seed, by_set in looks.items():
    for which, measured in by_set.items():
        print(f"{seed:<6}{which:<10}" + "".join(f"{v:>25.2f}" for v in measured.values()))

# %% [markdown]
# What holds at every seed (checked here), and what splits the seeds in two:

# %%
every = [m for by_set in looks.values() for m in by_set.values()]
claim("at every seed, in held-out and probe sentences, more than 85 % of 그것을's weight is on the two things "
      "and the verb",
      min(m["weight on the 3"] for m in every) > 0.85, shares=[m["weight on the 3"] for m in every])
claim("and its largest weight falls on one of those three words in more than 85 % of the sentences",
      min(m["largest on one of the 3"] for m in every) > 0.85, hits=[m["largest on one of the 3"] for m in every])
claim("moving the time words changes no seed's accuracy by more than 0.03",
      all(abs(b["probe"]["accuracy"] - b["held-out"]["accuracy"]) <= 0.03 for b in looks.values()))
spread_out = [b["held-out"] for b in looks.values() if b["held-out"]["largest weight"] < 0.6]
hard = [b["held-out"] for b in looks.values() if b["held-out"]["largest weight"] > 0.9]
claim("every seed either spreads its weight (largest weight below 0.6 on average) or goes hard (above 0.9), "
      "and both kinds occur", len(spread_out) + len(hard) == len(looks) and spread_out and hard)
claim("the seeds that spread name the thing in at least 95 % of held-out sentences; those that go hard in under 50 %",
      min(m["accuracy"] for m in spread_out) >= 0.95 and max(m["accuracy"] for m in hard) < 0.5)

# %% [markdown]
# Why one head cannot point at the thing meant, checked: give a held-out sentence the verb that fits the *other*
# thing. 그것을's weights change (the verb is a new key), but the ratio of the two things' weights,
# $e^{s_A - s_B}$, cannot: their scores involve only 그것을's query and their own keys. 그것을 weighs the two things
# the same way whichever verb follows; only the read-out, which also receives the verb, can choose.

# %%
def verb_of(thing):
    return next(ACTIVITIES[kind][1] for kind in ACTIVITY_NAMES if thing in map(noun, ACTIVITIES[kind][0]))


words = test_s[example]
a, b = words.index(BOUGHT) - 2, words.index(BOUGHT) - 1  # positions of the two things
verbs = {verb_of(words[a].removesuffix(AND)), verb_of(noun(words[b]))}
swapped = words[:-1] + [(verbs - {words[-1]}).pop()]
spreads = next(s for s, b in looks.items() if b["held-out"]["largest weight"] < 0.6)  # a seed that spreads
with torch.no_grad():
    _, w = taggers[spreads](torch.tensor([vocab.encode(words), vocab.encode(swapped)]), return_weights=True)
row, row_swapped = w[:, words.index(IT)]
claim("the verb changes 그것을's weights", (row - row_swapped).abs().max() > 0.01)
verdict(f"log(weight({words[a]}) / weight({words[b]})), with {words[-1]} vs with {swapped[-1]}",
        (row[a] / row[b]).log(), (row_swapped[a] / row_swapped[b]).log(), atol=1e-4)

# %% [markdown]
# One held-out sentence with two time words, 그것을's row of weights (its 어텐션 가중치): a seed that spreads, on the
# sentence and on its probe, and a seed that went hard.

# %%
i = next(i for i, words in enumerate(test_s) if sum(w in TIME_WORDS for w in words) == 2)
went_hard = next(s for s, b in looks.items() if b["held-out"]["largest weight"] > 0.9)
it_rows = {}  # title -> (the sentence's words, 그것을's weights over them)
for seed, words, title in [(spreads, test_s[i], "a seed that spreads"),
                           (spreads, probe_s[i], "the same seed, time words moved (probe)"),
                           (went_hard, test_s[i], "a seed that went hard")]:
    with torch.no_grad():
        _, weights = taggers[seed](torch.tensor([vocab.encode(words)]), return_weights=True)
    it_rows[title] = words, weights[0, words.index(IT)]

# %% tags=["subslide"]
fig, axes = plots.plt.subplots(3, 1, figsize=(10, 5.2), layout="constrained")
for ax, (title, (words, row)) in zip(axes, it_rows.items(), strict=True):
    plots.heatmap(row[None], xlabels=words, ylabels=["그것을"], annotate=True, ax=ax,
                  title=f"{title}: where 그것을 looks")

# %% [markdown]
# **What moved and what did not.** At every seed, 그것을 puts most of its weight on the two things and the verb,
# wherever the time words put them: 0, 1 or 2 places later, and in the probe, where the two things stand further
# from 그것을 than in any training sentence. The probe leaves the accuracy where it was. So the head finds these
# words by what they are, not by where they stand, nor by how far they are from 그것을.
#
# **Why the seeds split.** The seeds that spread 그것을's weight over the three words (largest weight below 0.6 on
# average) name the thing in at least 95 % of held-out sentences. The seeds that went hard, nearly all the weight on one word
# per sentence, stay under 50 %: one word cannot say which thing was meant (the verb does not say which of its kind
# was bought; one thing does not say whether it fits the verb). And a saturated softmax passes almost no gradient
# to the words it ignores, so training has almost nothing to bring them back with: section 4's hard choice, this
# time reached during training rather than present at the start.
# %% [markdown]
# ## 7. Masking (마스킹): padding, the future, and a row with nothing left
# A mask forbids some query-key pairs: their score becomes $-\infty$ before the softmax, so their weight is exactly 0.
# Two masks are everywhere. A **padding mask** hides the `<pad>` keys of shorter sentences (the taggers above used
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
# query receives nothing), and so does `course_lib`. A common way of writing the masked softmax is a hazard here:
# d2l's `masked_softmax` fills masked scores with a large finite number, $-10^6$, instead of $-\infty$. Its examples
# never mask a whole row (every sequence keeps at least one valid key), so nothing goes wrong there. But in a row
# whose every key is masked, all the scores are then equal, and the row comes out **uniform**: the query silently
# attends to padding as if it were words.

# %%
nothing = torch.ones(4, 4, dtype=torch.bool)
nothing[1] = False  # query 2 may attend to no key at all
out, w_dead = scaled_dot_product_attention(q4, k4, v4, attn_mask=nothing, return_weights=True)
torch_out = F.scaled_dot_product_attention(q4, k4, v4, attn_mask=nothing)
scores4 = q4 @ k4.T / math.sqrt(3)
print("course weights, row 2:      ", w_dead[1])
print("course output,  row 2:      ", out[1], "| torch SDPA's:", torch_out[1])
print("plain softmax of -inf, row 2:", torch.softmax(scores4.masked_fill(~nothing, float("-inf")), -1)[1])
print("fill with -1e6 (the hazard): ", torch.softmax(scores4.masked_fill(~nothing, -1e6), -1)[1])

# %% [markdown]
# Zeros are the honest answer: nothing to attend to, nothing received. NaN would spread through the rest of the
# network, and uniform weights would hide the problem. (`nn.MultiheadAttention`, the subject of the next notebook,
# keeps the NaN when it returns weights; `course_lib.attention.MultiheadAttention` does the same, as its docstring says.)

# %% [markdown]
# ## Summary
# - Self-attention is a soft search: every word's query is scored against every word's key, the scores become
#   weights with a softmax, and the output is the weighted mix of the values. The lecture's four steps: 1. encode
#   position, 2. extract Q, K, V (쿼리, 키, 값), 3. $\mathrm{softmax}(QK^\top/\sqrt{d_k})$, 4.
#   $\mathrm{softmax}(QK^\top/\sqrt{d_k})\,V$. `course_lib`'s function equals torch's SDPA (checked above in float64,
#   with and without masks).
# - Data is fed in all at once, so without positions attention cannot tell a sentence from a reordering: the
#   outputs were the same, only permuted. Adding the sinusoidal encoding makes them differ.
# - The dot product equals the cosine similarity only for unit vectors, and is proportional to it when the key
#   norms are equal. Unscaled scores saturate the softmax as $d_k$ grows; dividing by $\sqrt{d_k}$ keeps it soft at
#   the start of training. A trained head may still end with a hard choice.
# - A trained head attends to the words that carry the answer: 그것을 looked ahead to the verb, which a model reading
#   left to right cannot do. When the words move (time words in other places, the thing meant first or second), its
#   weight follows them: it finds them by what they are, not where they stand. With one head, the seeds that spread
#   그것을's weight over the three words it needs solved held-out sentences; the seeds that went hard did not.
# - Masks set weights to exactly 0; a query with no key left gets zeros, never uniform weights.

# %% [markdown]
# ## Exercises
# Two warm-ups drill the weighting and the encoding above; the main exercise asks for what this notebook never shows,
# why the sinusoidal encoding knows relative positions. Each answer cell has a check cell below it that runs your
# function on stored random inputs and tells you what, if anything, is wrong; a failure names the seed of its case,
# and `check_...(your_function, seed=...)` replays it.
#
# **How answers are graded.** The grade is computed apart from this notebook: your answer cells alone, in order, in
# a fresh Python where only `math`, `np` (NumPy), `torch`, `nn` and `F` (`torch.nn.functional`) are imported, on
# fresh random inputs. So a function must get everything it needs from its arguments or from an earlier answer cell
# (a warm-up's function may be reused). An answer may import only math, numpy and torch (and itertools, functools,
# collections, typing), never `course_lib`, and may not use `getattr`, `exec`, `eval`, `open`, `globals` or private
# attributes (`._x`). Calling the course's own implementation, or a torch function that does the exercise for you,
# fails the check with a message that says so.
#
# **Warm-up 1 (3 points).** Write the attention weighting with a mask: `attention_weighting(q, k, mask)` with
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
# **Warm-up 2 (2 points).** Write the sinusoidal positional encoding in NumPy for any positions:
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
# **Main exercise (4 points): the encoding knows distances.** Section 3 printed $p_{10} \cdot p_t$ for a few $t$:
# nearby positions are more alike than far ones. Is that likeness a function of the distance alone, the same for
# $p_{10}$ and $p_{11}$ as for $p_{40}$ and $p_{41}$? Prove it by showing that a step of $k$ positions is one fixed
# matrix, whatever the position. Write `relative_shift(d_model, offsets)` for an even `d_model` and an integer NumPy
# array `offsets (K,)` of whole numbers $k$ (some negative) that returns the pair `(M, dot)` of NumPy float64 arrays:
# - `M (K, d_model, d_model)`: `M[j]` is the matrix with $p_{t+k} = M_k\,p_t$ for **every** position $t$, where
#   $k$ = `offsets[j]` ($p_t$ is the encoding of warm-up 2 as a column, base 10000);
# - `dot (K,)`: `dot[j]` is the number $p_t \cdot p_{t+k}$, in closed form from `d_model` and $k$.
#
# Derive both; do not fit them to encodings of sample positions (a solver, `lstsq`, `solve`, `inv` or `pinv`, is not
# allowed in the answer). A `dot` with no $t$ in it is the proof that $p_t \cdot p_{t+k}$ depends on $k$ only. And `M`
# is the reason the original Transformer paper gives for choosing sines: for any fixed $k$, $p_{t+k}$ is a linear
# function of $p_t$, which its authors hoped would let a model learn to attend by relative position.

# %% [markdown]
# *Hint.* Take one column pair $(2i, 2i+1)$: at position $t$ it holds $(\sin\theta, \cos\theta)$ with
# $\theta = t\,\omega_i$, $\omega_i = 1/10000^{2i/d_{model}}$. Write $\sin(\theta + k\omega_i)$ and
# $\cos(\theta + k\omega_i)$ with the angle-addition formulas and read off what multiplies $\sin\theta$ and
# $\cos\theta$; $t$ must not be left anywhere. For `dot`, remember that each pair is a vector of length 1.
# One offset at a time in a loop is fine.

# %% nbgrader={"grade": false, "grade_id": "relative_shift_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def relative_shift(d_model, offsets):
    """(M, dot) for offsets (K,): M (K, d_model, d_model) with p_(t+k) = M[j] p_t for every t, dot (K,) = p_t · p_(t+k)."""
    ### BEGIN SOLUTION
    omega = 1.0 / 10000.0 ** (np.arange(0, d_model, 2) / d_model)  # (d_model / 2,)
    angle = offsets[:, None] * omega  # (K, d_model / 2): k·ω_i
    cos, sin = np.cos(angle), np.sin(angle)
    M = np.zeros((len(offsets), d_model, d_model))
    even = np.arange(0, d_model, 2)
    M[:, even, even], M[:, even, even + 1] = cos, sin  # sin(θ + kω) = sin θ cos kω + cos θ sin kω
    M[:, even + 1, even], M[:, even + 1, even + 1] = -sin, cos  # cos(θ + kω) = cos θ cos kω - sin θ sin kω
    return M, cos.sum(axis=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "relative_shift_check", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_relative_shift

check_relative_shift(relative_shift)

# %% [markdown]
# **Think further (not graded).** Section 3 showed that attention without positions is *permutation equivariant*:
# reorder the input, and the output is reordered the same way. Which part of $\mathrm{softmax}(QK^\top/\sqrt{d_k})V$ would
# you have to change to break that without adding positions, and would the result still be attention?
#
# **Next:** [09 · 멀티 헤드 어텐션 (multi-head attention)](09_multi_head_attention.ipynb) — several heads side by
# side, each attending to a different part of the input.
