# %% [markdown]
# # 01 · 그럼 DNN으로 자연어 구현이 잘 될까? — The limits of plain DNNs on sentences
#
# **After this notebook you will be able to**
# - turn a sentence into the input of a plain feed-forward network (DNN) in two ways: a bag of words and one slot per position;
# - show, by computing it, that a bag-of-words DNN gives the *same* output for "나는 밥을 먹었다" and any reordering of it;
# - show that a fixed-position DNN has one weight block per slot, cannot take a longer sentence, and does not transfer what it learnt at one slot to another;
# - measure both failures on a small task where word order decides the label, and say what a model must do instead (순서를 고려한 모델 → the RNN of notebook 02).
#
# The lecture asks: *a DNN finds good decision lines for hard problems — so will it handle language?*
# Put a sentence into a DNN and the simplest model is a weighted sum of its words:
#
# $$Y = \text{나는}\cdot w_1 + \text{밥을}\cdot w_2 + \text{먹었다}\cdot w_3$$
#
# Two questions follow from that line: **문장에 대한 흐름 파악?** (does it grasp the *flow* of the sentence?) and
# **순서를 고려한 모델?** (where is a model that respects *order*?). We answer both by measurement.

# %%
import torch

from course_lib import plots
from course_lib.data import TIME_WORDS, corpus, korean_vocab, pad_batch
from course_lib.dnn import BagOfWordsDNN, FixedPositionDNN, bag_of_words, position_one_hot
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
# ## 2. Bag of words: $Y = \text{나는}\cdot w_1 + \text{밥을}\cdot w_2 + \text{먹었다}\cdot w_3$
# Count each word of the sentence; a linear layer on the counts adds up one weight vector per word.
# Addition does not care about order, so the two rows below are equal:

# %%
counts = bag_of_words(x, len(vocab))
print("same counts for both orders:", torch.equal(counts[0], counts[1]))

bow = BagOfWordsDNN(len(vocab), hidden_size=16, num_classes=len(ACTIVITY_NAMES))
with torch.no_grad():
    y = bow(x)
print("same DNN output for both orders:", torch.equal(y[0], y[1]))

# %% [markdown]
# Whatever the weights, training cannot change this: the network never sees the order.
# "나는 밥을 먹었다" and "먹었다 밥을 나는" are one input to it.
#
# ## 3. One weight block per position
# To let the DNN see order, give every *slot* its own weights: the input is the one-hot vector of slot 1,
# then of slot 2, and so on, side by side. Now $w_1$ belongs to slot 1, not to the word "나는".

# %%
fixed = FixedPositionDNN(len(vocab), num_positions=6, hidden_size=16, num_classes=len(ACTIVITY_NAMES))
print("input features per sentence:", position_one_hot(x, len(vocab)).shape[1], "= 3 slots ×", len(vocab), "words")
with torch.no_grad():
    y = fixed(x)
print("same DNN output for both orders:", torch.equal(y[0], y[1]))

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
#
# We train on sentences that start right away, and test twice: on new sentences of the same form, and on
# sentences with a time word in front ("어제 …", "yesterday …"), which moves every word one slot later.

# %%
train_x, train_y = which_came_first(2000, seed=0)
test_x, test_y = which_came_first(500, seed=1)
shifted_x, shifted_y = which_came_first(500, time_words=(1, 1), seed=2)
for words, label in zip(shifted_x[:3], shifted_y[:3], strict=True):
    print(" ".join(words), "→", ACTIVITY_NAMES[label])


def encode(batch):
    return pad_batch([vocab.encode(words) for words in batch])


train_X, test_X, shifted_X = encode(train_x), encode(test_x), encode(shifted_x)
print("shapes (sentences, slots):", tuple(train_X.shape), tuple(shifted_X.shape))

# %% [markdown]
# Both DNNs get the same budget: 300 Adam steps on batches of 64.

# %%
def evaluate(model):
    with torch.no_grad():
        return {"same positions": accuracy(model(test_X), test_y),
                "shifted by one word": accuracy(model(shifted_X), shifted_y)}


seed_everything(0)
bow = BagOfWordsDNN(len(vocab), hidden_size=32, num_classes=len(ACTIVITY_NAMES))
fixed = FixedPositionDNN(len(vocab), num_positions=6, hidden_size=32, num_classes=len(ACTIVITY_NAMES))
fixed_init = fixed.slot_weights().clone()
histories = {}
for name, model in [("bag of words", bow), ("fixed position", fixed)]:
    histories[name] = fit(model, sample_batches(train_X, train_y, 64), steps=300, lr=1e-2,
                          evaluate=evaluate, desc=name)

# %%
chance = 1 / len(ACTIVITY_NAMES)
print(f"{'model':<16}{'same positions':>16}{'shifted by one':>16}   (chance {chance:.2f})")
for name, h in histories.items():
    print(f"{name:<16}{h.last('same positions'):>16.2f}{h.last('shifted by one word'):>16.2f}")

# %%
fig, axes = plots.plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
for ax, (name, h) in zip(axes, histories.items(), strict=True):
    plots.bars({k: v[-1] for k, v in h.metrics.items()}, title=f"{name} DNN: 정확도 (accuracy)",
               ylabel="test accuracy", chance=chance, ax=ax)

# %% [markdown]
# **What the numbers say.**
# - The bag-of-words DNN stays near one half: it learns *which two* activities occur (that narrows five
#   classes down to two) but can never know which came first.
# - The fixed-position DNN is right on sentences that look like its training data, and falls to chance or
#   below when every word moves by one slot: a word it learnt at slot 1 is unknown to it at slot 2.
#
# The weights show why. Below, for each slot and word, how far training moved that word's weights
# (‖ΔW‖, the change of the slot's weight block). A word's weights change only at the slots where it appeared
# in training; the last slot never held a word, so its weights never moved at all.

# %%
change = (fixed.slot_weights() - fixed_init).norm(dim=1)  # (slots, words)
shown = [i for i in range(4, len(vocab)) if change[:, i].max() > 0 or vocab.itos[i] in TIME_WORDS]
ax = plots.heatmap(change[:, shown], xlabels=[vocab.itos[i] for i in shown],
                   ylabels=[f"slot {t + 1}" for t in range(change.shape[0])],
                   title="How far training moved each (slot, word) weight ‖ΔW‖", xlabel="word", ylabel="slot")

# %%
untouched = int((change.max(dim=1).values == 0).sum())
print(f"slots whose weights never moved: {untouched} of {change.shape[0]}")
print("time words such as 어제 never moved at any slot:", bool(change[:, vocab.stoi['어제']].max() == 0))

# %% [markdown]
# ## 5. 순서를 고려한 모델? — what a sequence model needs
# Both failures point at the same fix. A model for sentences should
# 1. read the words **in order**, so that "A 그래서 B" and "B 그래서 A" differ (the bag of words cannot);
# 2. use **the same weights at every position**, so that what it learns about "먹었다" at one place holds
#    at any other, and a sentence of any length fits (the fixed-position DNN cannot);
# 3. carry a **memory** of what it has read so far from one word to the next.
#
# That is exactly the recurrent neural network, RNN (순환 신경망), of the next notebook.
#
# ## Summary
# - A sentence must become a fixed-size vector for a DNN. A bag of words sums one weight vector per word:
#   $Y = \text{나는}\cdot w_1 + \text{밥을}\cdot w_2 + \text{먹었다}\cdot w_3$ is the same for any order.
# - One weight block per slot sees order but only for a fixed number of slots, and it learns each slot apart.
# - On 무엇을 먼저 했나?, measured above: the bag of words stays near 1/2, the fixed-position DNN is right in
#   place and lost as soon as the words shift.
#
# ## Exercises
# Each answer cell has a check cell below it that runs your function on fresh random inputs and tells you
# what, if anything, is wrong.
#
# **Exercise 1 (2 points).** Write `bag_of_words_np(indices, vocab_size)` in NumPy: `indices` is an integer
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
# **Exercise 2 (2 points).** Write `position_one_hot_np(indices, vocab_size)`: return a float64 array
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
# **Think further (not graded).** Why does the fixed-position DNN score *below* chance on shifted sentences,
# rather than at chance? Look at which word now sits in the slot where it learnt to look for the first verb.
#
# **Next:** [02 · RNN (순환 신경망)](02_rnn.ipynb) — one set of weights, applied word after word, with a memory.
