# %% [markdown]
# # 01 · 그럼 DNN으로 자연어 구현이 잘 될까? — The limits of plain DNNs on sentences
#
# **After this notebook you will be able to**
# - turn a sentence into the input of a plain feed-forward network (DNN) in two ways: a bag of words and one slot per position;
# - show, by computing it, that a bag-of-words DNN gives the *same* output for "나는 밥을 먹었다" and any reordering of it;
# - show that a fixed-position DNN has one weight block per slot, cannot take a longer sentence, and does not transfer what it learnt at one slot to another;
# - measure both failures, over several seeds, on a small task where word order decides the label, and say what a model must do instead (순서를 고려한 모델 → the RNN of notebook 02).
#
# The lecture asks: *a DNN finds good decision lines for hard problems — so will it handle language?*
# Put a sentence into a DNN and the simplest model is a weighted sum of its words:
#
# $$Y = \text{나는}\cdot w_1 + \text{밥을}\cdot w_2 + \text{먹었다}\cdot w_3$$
#
# Read it closely: $w_1$ multiplies the *first* word, $w_2$ the second, $w_3$ the third. The weights belong to
# **positions**, not to words. That is one of the two DNNs below (section 3); the other gives each **word** its
# weight wherever it stands (section 2). Two questions follow: **문장에 대한 흐름 파악?** (does it grasp the *flow*
# of the sentence?) and **순서를 고려한 모델?** (where is a model that respects *order*?). We answer both by
# measurement.

# %%
import torch

from course_lib import plots
from course_lib.data import ACTIVITIES, TIME_WORDS, corpus, korean_vocab
from course_lib.dnn import BagOfWordsDNN, FixedPositionDNN, bag_of_words, position_one_hot
from course_lib.evidence import claim, seed_table, spread, verdict
from course_lib.padding import pad_batch
from course_lib.parallel import train_in_parallel
from course_lib.tasks import ACTIVITY_NAMES, which_came_first
from course_lib.training import accuracy, fit, sample_batches, seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)

# %% [markdown]
# ## 1. The course corpus
# The course generates its own small Korean/English corpus from a tiny grammar (no downloads).
# It starts with the lecture's two sentences.

# %%
sentences = corpus()
for s in sentences[:3]:
    print(" ".join(s.korean), "→", " ".join(s.english))
vocab = korean_vocab()
print(f"{len(sentences)} sentences, {len(vocab)} words in the vocabulary (4 of them special: {vocab.itos[:4]})")

# %% [markdown]
# A DNN takes a vector of fixed size, so a sentence must become one. Each word first becomes an index:

# %%
sentence = ["나는", "밥을", "먹었다"]
reordered = ["먹었다", "밥을", "나는"]
x = torch.tensor([vocab.encode(sentence), vocab.encode(reordered)])
print(x)

# %% [markdown]
# ## 2. Bag of words: one weight vector per *word*, $Y = \sum_w \text{count}(w)\, w_w$
# Count each word of the sentence; a linear layer on the counts adds up one weight vector $w_w$ per word
# (column $w$ of its weight matrix), as often as the word occurs. Here $w_{\text{나는}}$ is the same wherever
# 나는 stands. Addition does not care about order, so the two rows below are equal:

# %%
counts = bag_of_words(x, len(vocab))
print("same counts for both orders:", torch.equal(counts[0], counts[1]))

bow = BagOfWordsDNN(len(vocab), hidden_size=16, num_classes=len(ACTIVITY_NAMES))
with torch.no_grad():
    y = bow(x)
print("same DNN output for both orders:", torch.equal(y[0], y[1]))

# %% [markdown]
# That is all the model computes: the hidden layer is $\text{relu}(\sum_w \text{count}(w)\, w_w + b)$, and a second
# linear layer turns it into one score per class. By hand, from the model's own weights:

# %%
W, b = bow.hidden.weight, bow.hidden.bias  # W: (hidden, V), column w = the weight vector of word w
with torch.no_grad():
    hidden = torch.relu(W[:, vocab.stoi["나는"]] + W[:, vocab.stoi["밥을"]] + W[:, vocab.stoi["먹었다"]] + b)
    by_hand = bow.out(hidden)  # (classes,)
verdict("Σ_w count(w)·w_w by hand = BagOfWordsDNN's output", by_hand, y[0], atol=1e-6)

# %% [markdown]
# Whatever the weights, training cannot change this: the network never sees the order.
# "나는 밥을 먹었다" and "먹었다 밥을 나는" are one input to it.

# %% [markdown]
# ## 3. One weight block per position: $Y = \sum_t W_t\, x_t$, the lecture's formula
# To let the DNN see order, give every *slot* $t$ its own weights $W_t$: the input is the one-hot vector $x_t$
# of slot 1, then of slot 2, and so on, side by side. This is the lecture's
# $\text{나는}\cdot w_1 + \text{밥을}\cdot w_2 + \text{먹었다}\cdot w_3$: $w_1$ belongs to slot 1, not to the word
# "나는". The model has 6 slots; a shorter sentence is padded with empty (all-zero) slots.

# %%
fixed = FixedPositionDNN(len(vocab), num_positions=6, hidden_size=16, num_classes=len(ACTIVITY_NAMES))
V = len(vocab)
T = x.shape[1]
print(f"this {T}-word sentence: {position_one_hot(x, V).shape[1]} one-hot features = {T} slots × {V} words")
print(f"the model pads it to 6 slots: its first layer takes {fixed.hidden.in_features} = 6 slots × {V} words")
with torch.no_grad():
    y = fixed(x)
print("same DNN output for both orders:", torch.equal(y[0], y[1]))

# %% [markdown]
# What it computes, by hand: slot $t$ holding word $w$ adds column $w$ of that slot's block $W_t$ (an empty slot
# adds nothing); then relu and the output layer, as before.

# %%
W_slots = fixed.slot_weights()  # (slots, hidden, V): W_slots[t] is the block W_t
with torch.no_grad():
    summed = sum(W_slots[t][:, word] for t, word in enumerate(x[0].tolist()))  # Σ_t W_t x_t
    by_hand = fixed.out(torch.relu(summed + fixed.hidden.bias))
verdict("Σ_t W_t·x_t by hand = FixedPositionDNN's output", by_hand, y[0], atol=1e-6)

# %% [markdown]
# It sees order, but it has weights for exactly 6 slots. A longer sentence has nowhere to go:

# %%
long_sentence = "어제 아침에 나는 밥을 먹었다 그래서 공부를 했다".split()
try:
    fixed(torch.tensor([vocab.encode(long_sentence)]))
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# ## 4. A task where order decides the label: 무엇을 먼저 했나? (what was done first?)
# Each sentence is "A 그래서 B" ("A, so then B"); the label is the activity done **first**.
# "밥을 먹었다 그래서 공부를 했다" → 먹다, but "공부를 했다 그래서 밥을 먹었다" → 공부하다: same words, other label.
# The task has 250 such sentences; a fixed quarter of them is held out (`split="test"`) and never drawn for training.
#
# We train on training sentences that start right away, and test twice, on held-out sentences only: in the same
# form, and with a time word in front ("어제 …", "yesterday …"), which moves every word one slot later.

# %%
train_x, train_y = which_came_first(2000, split="train", seed=0)
test_x, test_y = which_came_first(500, split="test", seed=1)
shifted_x, shifted_y = which_came_first(500, time_words=(1, 1), split="test", seed=2)
for words, label in zip(shifted_x[:3], shifted_y[:3], strict=True):
    print(" ".join(words), "→", ACTIVITY_NAMES[label])
seen = {" ".join(s) for s in train_x}
claim("no test sentence occurs among the training sentences", not any(" ".join(s) in seen for s in test_x))


def encode(batch):
    return pad_batch([vocab.encode(words) for words in batch])


train_X, test_X, shifted_X = encode(train_x), encode(test_x), encode(shifted_x)
print("shapes (sentences, slots):", tuple(train_X.shape), tuple(shifted_X.shape))

# %% [markdown]
# Both DNNs get the same budget: 300 Adam steps on batches of 64, learning rate 0.01, hidden size 32. Each is
# trained with 3 seeds (seed $s$ sets both its initial weights and its stream of batches), side by side.

# %%
SEEDS, STEPS, LR = (0, 1, 2), 300, 1e-2
METRICS = ("same positions", "shifted by one word")


def evaluate(model):
    same, shifted = accuracy(model(test_X), test_y), accuracy(model(shifted_X), shifted_y)
    return dict(zip(METRICS, (same, shifted), strict=True))


def train(key, model):
    return fit(model, sample_batches(train_X, train_y, 64), steps=STEPS, lr=LR, seed=key[1], evaluate=evaluate,
               progress=False)


def build(make, seed):
    torch.manual_seed(seed)  # the seed sets the initial weights
    return make()


models = {}
for seed in SEEDS:
    models["bag of words", seed] = build(lambda: BagOfWordsDNN(V, 32, len(ACTIVITY_NAMES)), seed)
    models["fixed position", seed] = build(lambda: FixedPositionDNN(V, 6, 32, len(ACTIVITY_NAMES)), seed)
histories = train_in_parallel(models, train, progress=False)

# %% [markdown]
# 01's table: accuracy on the held-out sentences, mean over the 3 seeds (lowest-highest in brackets).
# Chance, a guess among the 5 activities, is 0.20.

# %% tags=["nbval-ignore-output"]
results = {name: {m: spread(histories[name, s].last(m) for s in SEEDS) for m in METRICS}
           for name in ("bag of words", "fixed position")}
seed_table(results)
chance = 1 / len(ACTIVITY_NAMES)

# %%
bag, pos = results["bag of words"], results["fixed position"]
claim("the fixed-position DNN is right on held-out sentences in place: at least 0.95 at every seed",
      pos["same positions"].lo >= 0.95, fixed=pos["same positions"])
claim("shifted by one word it scores between 0.05 and 0.35 at every seed, around chance (0.20)",
      0.05 <= pos["shifted by one word"].lo and pos["shifted by one word"].hi <= 0.35, fixed=pos["shifted by one word"])
claim("the bag of words scores below 0.25 at every seed, and below chance on the mean, in place and shifted",
      all(bag[m].hi < 0.25 and bag[m].mean < chance for m in METRICS), bag=bag)

# %% tags=["subslide"]
fig, axes = plots.plt.subplots(1, 2, figsize=(9, 3.5), sharey=True, layout="constrained")
for ax, (name, row) in zip(axes, results.items(), strict=True):
    plots.bars({m: s.mean for m, s in row.items()}, title=f"{name} DNN\n정확도 (accuracy), mean of 3 seeds",
               ylabel="held-out accuracy", chance=chance, ax=ax)
    for text in list(ax.texts):  # a number on a bar near 0.20 would sit on the chance line: put it inside
        text.remove()
    ax.bar_label(ax.containers[0], fmt="{:.2f}", label_type="center", color="white", fontsize=11)

# %% [markdown]
# **What the numbers say.**
# - The bag-of-words DNN scores no better than chance on held-out sentences (below 0.25 at every seed, below
#   0.20 on the mean). Its verbs tell it *which two* activities occur, which narrows five classes down to two, but
#   never which came first. Worse: the mirror of a held-out sentence, "B 그래서 A", has the same bag of words and
#   the other label, and it is often a training sentence. The DNN learnt the mirror's label, and answers it. The
#   cell below splits the held-out sentences by whether their mirror was among the training sentences.
# - The fixed-position DNN is right on held-out sentences that look like its training data, and falls to about
#   chance when every word moves by one slot: a word it learnt at slot 1 is unknown to it at slot 2.

# %%
def mirror(words):  # "A 그래서 B" -> "B 그래서 A"
    return words[3:] + words[2:3] + words[:2]


in_train = torch.tensor([" ".join(mirror(s)) in seen for s in test_x])
print(f"held-out sentences whose mirror was among the training sentences: {int(in_train.sum())} of {len(test_x)}")
activity_of = {ACTIVITIES[name][1]: i for i, name in enumerate(ACTIVITY_NAMES)}  # verb -> activity
mirror_y = torch.tensor([activity_of[s[4]] for s in test_x])  # the mirror's label: B, done first there
with torch.no_grad():
    guess = {s: models["bag of words", s](test_X).argmax(-1) for s in SEEDS}
mirrored = spread((guess[s] == mirror_y)[in_train].float().mean() for s in SEEDS)
unmirrored = spread((guess[s] == test_y)[~in_train].float().mean() for s in SEEDS)
claim("where the mirror was trained on, the bag of words answers the mirror's label at least 0.80 of the time, "
      "every seed", mirrored.lo >= 0.80, mirrored=mirrored)
claim("elsewhere it is right between 0.40 and 0.70 of the time, every seed: about one of the two activities",
      0.40 <= unmirrored.lo and unmirrored.hi <= 0.70, unmirrored=unmirrored)

# %% [markdown]
# The weights show why the fixed-position DNN fails when the words move. Below, for each slot and word, how far
# training moved that word's weights (‖ΔW‖, the change of the slot's weight block), at seed 0. A word's weights
# change only at the slots where it appeared in training; the last slot never held a word, so its weights never
# moved at all.

# %%
def weight_change(seed):  # (slots, words): ‖W_t[:, w] after training - before‖
    initial = build(lambda: FixedPositionDNN(V, 6, 32, len(ACTIVITY_NAMES)), seed).slot_weights()
    return (models["fixed position", seed].slot_weights() - initial).norm(dim=1)


change = weight_change(0)
shown = [i for i in range(4, V) if change[:, i].max() > 0 or vocab.itos[i] in TIME_WORDS]


# %% tags=["subslide"]
fig, ax = plots.plt.subplots(figsize=(12, 4.2), layout="constrained")
plots.heatmap(change[:, shown], xlabels=[vocab.itos[i] for i in shown], ax=ax,
              ylabels=[f"slot {t + 1}" for t in range(change.shape[0])], xlabel="word", ylabel="slot",
              title=r"How far training moved each (slot, word) weight, $\|\Delta W\|$, seed 0")
ax.tick_params(axis="x", labelrotation=90)  # 32 words side by side: upright labels would overlap
fig.axes[-1].set_ylabel(r"$\|\Delta W\|$")  # the colorbar

# %% [markdown]
# The same holds at every seed, exactly, and it has a consequence: in a shifted sentence *every* word sits at a
# slot where training never moved its weights. Its first layer adds up random initial vectors; only the biases and
# the output layer were trained. A score around chance, at a level that changes with the seed, is what that
# predicts.

# %%
occurred = torch.zeros(6, V, dtype=torch.bool)  # (slot, word) pairs that occur in training
for t in range(train_X.shape[1]):
    occurred[t, train_X[:, t]] = True
occurred[:, vocab.pad_index] = False
changes = [weight_change(s) for s in SEEDS]
claim("at every seed, a (slot, word) weight moved if and only if that word stood at that slot in training",
      all(torch.equal(c > 0, occurred) for c in changes))
claim("slot 6, and the time words such as 어제 at every slot, never moved",
      all(c[5].max() == 0 and c[:, [vocab.stoi[w] for w in TIME_WORDS]].max() == 0 for c in changes))
untouched = all(bool((c[torch.arange(6), shifted_X] == 0).all()) for c in changes)
claim("every word of every shifted sentence meets weights that training never moved", untouched)

# %% [markdown]
# ## 5. 순서를 고려한 모델? — what a sequence model needs
# Both failures point at the same fix. A model for sentences should
# 1. read the words **in order**, so that "A 그래서 B" and "B 그래서 A" differ (the bag of words cannot);
# 2. use **the same weights at every position**, so that what it learns about "먹었다" at one place holds
#    at any other, and a sentence of any length fits (the fixed-position DNN cannot);
# 3. carry a **memory** of what it has read so far from one word to the next.
#
# That is exactly the recurrent neural network, RNN (순환 신경망), of the next notebook.

# %% [markdown]
# ## Summary
# - A sentence must become a fixed-size vector for a DNN. A bag of words sums one weight vector per word,
#   $Y = \sum_w \text{count}(w)\, w_w$: the same for any order.
# - One weight block per slot, $Y = \sum_t W_t x_t$, is what the lecture's $\text{나는}\cdot w_1 + \text{밥을}\cdot w_2 +
#   \text{먹었다}\cdot w_3$ writes. It sees order, but only for a fixed number of slots, and it learns each slot apart.
# - On 무엇을 먼저 했나?, measured on held-out sentences over 3 seeds: the bag of words scores below 0.25, below
#   chance on the mean (where it was trained on the mirror sentence, it answers the mirror's label); the
#   fixed-position DNN scores at least 0.95 in place and between 0.05 and 0.35 as soon as the words shift, because a
#   shifted sentence meets only untrained weights.

# %% [markdown]
# ## Exercises
# Two warm-ups turn sentences into a DNN's inputs; the main exercise predicts the best that any bag-of-words
# model can do.
# Each answer cell has a check cell below it that runs your function on stored cases and tells you what, if
# anything, is wrong. The grade comes from a separate run that executes only the answer cells (all of them, in
# order) on fresh random inputs, with `math`, `np`, `torch`, `nn` and `F` already imported: nothing else from this
# notebook exists there. So an answer cell must stand on its own: what the function needs comes in as arguments
# or from an earlier answer cell. It may import only math, numpy and torch (and itertools, functools, collections,
# typing); never `course_lib`; and it may not use `getattr`, `exec`, `eval`, `open`, `globals` or private `._x`
# attributes.
#
# **Warm-up 1 (2 points).** Write `bag_of_words_np(indices, vocab_size)` in NumPy: `indices` is an integer
# array `(B, T)` of word indices where 0 is `<pad>`; return a float64 array `(B, V)` whose entry `[b, w]` counts
# how often word `w` occurs in sentence `b`. `<pad>` is not a word: column 0 must stay 0.

# %% nbgrader={"grade": false, "grade_id": "bag_of_words_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
import numpy as np


def bag_of_words_np(indices, vocab_size):
    ### BEGIN SOLUTION
    counts = np.zeros((indices.shape[0], vocab_size))
    rows = np.repeat(np.arange(indices.shape[0]), indices.shape[1])
    np.add.at(counts, (rows, indices.ravel()), 1.0)
    counts[:, 0] = 0.0
    return counts
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "bag_of_words_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_bag_of_words

check_bag_of_words(bag_of_words_np)

# %% [markdown]
# **Warm-up 2 (2 points).** Write `position_one_hot_np(indices, vocab_size)`: return a float64 array
# `(B, T*V)` where slot `t` of sentence `b` is a one-hot block in columns `t*V` to `(t+1)*V - 1`
# (a `<pad>` slot is an all-zero block). This is the input of the fixed-position DNN.

# %% nbgrader={"grade": false, "grade_id": "position_one_hot_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def position_one_hot_np(indices, vocab_size):
    ### BEGIN SOLUTION
    B, T = indices.shape
    one_hot = np.eye(vocab_size)[indices]  # (B, T, V)
    one_hot[..., 0] = 0.0
    return one_hot.reshape(B, T * vocab_size)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "position_one_hot_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_position_one_hot

check_position_one_hot(position_one_hot_np)

# %% [markdown]
# **Main exercise (4 points): what the best bag-of-words model answers.** Section 4 trained one bag-of-words DNN.
# Predict, without training anything, what the *best* bag-of-words model outputs on a set of labelled sentences:
# best meaning the lowest mean cross-entropy on those very sentences, whatever its size, its number of steps or
# its optimiser. Whatever it is, it computes a function of the word counts.
#
# Write `best_bag_of_words(indices, labels, num_classes)`: `indices` is an integer array `(N, T)` of padded
# sentences (0 is `<pad>`), `labels` an integer array `(N,)` of classes `0 … C-1`, `num_classes` is C; return a
# float64 array `(N, C)` whose row `i` holds the class probabilities the best bag-of-words model gives
# sentence `i`. Then `p.max(axis=1).mean()` is the highest accuracy that any bag-of-words model can reach on
# these sentences: a ceiling that training can approach, never pass. On 무엇을 먼저 했나?, where a sentence
# and its mirror share their words but not their label, it says how far a bag of words can get before you
# train one.
#
# You may use a fact about cross-entropy, not about bags: when several sentences must share one output row
# $p$, their mean cross-entropy is smallest when $p$ holds the frequencies of their labels.
# *Hint:* so the question is which sentences must share a row. You may call your warm-up functions.

# %% nbgrader={"grade": false, "grade_id": "best_bag_of_words_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def best_bag_of_words(indices, labels, num_classes):
    """(N, C) float64: row i, the class probabilities the best bag-of-words model gives sentence i."""
    ### BEGIN SOLUTION
    bags = bag_of_words_np(indices, int(indices.max()) + 1)  # (N, V): all that the model sees
    _, group = np.unique(bags, axis=0, return_inverse=True)  # sentences with equal bags share a group
    group = group.ravel()
    counts = np.zeros((group.max() + 1, num_classes))  # (groups, C): the labels of each group
    np.add.at(counts, (group, labels), 1.0)
    return counts[group] / counts[group].sum(axis=1, keepdims=True)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "best_bag_of_words_check", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_best_bag_of_words

check_best_bag_of_words(best_bag_of_words)

# %% [markdown]
# **Think further (not graded).** Every first-layer weight that a shifted sentence meets is still its random
# initial value (asserted above), yet the fixed-position DNN's shifted score is not exactly 0.20, and it differs
# from seed to seed. Which parameters *were* trained and still act on a shifted sentence? Why would they make the
# DNN favour some activities over others?
#
# **Next:** [02 · RNN (순환 신경망)](02_rnn.ipynb) — one set of weights, applied word after word, with a memory.
