# %% [markdown]
# # 03 · 한방향 아닌, 양방향도 가능한가? — The bidirectional RNN (양방향 RNN)
#
# **After this notebook you will be able to**
# - build a bidirectional RNN from two ordinary passes, one forward and one over the reversed sentence, with their states joined at every step;
# - check that it equals `torch.nn.RNN(bidirectional=True)`;
# - work out what a one-way reader *can* know at a given word, and measure it: on a task whose answer needs words
#   on both sides, a forward-only tagger stays at or below 1/2 and a backward-only one at or below about 1/4,
#   while a bidirectional tagger is right on at least 90 % of held-out sentences, at every seed;
# - reverse a padded batch correctly for the backward direction, and run both directions over a padded batch
#   with lengths, as torch does for a packed batch (the main exercise).

# %% [markdown]
# The RNN of notebook 02 reads left to right, so its state $h_t$ knows only words $1..t$. The lecture asks:
# **한방향 아닌, 양방향도 가능한가?** — not only one direction: can it read both ways? Take
# "나는 빵하고 우유를 샀다 그래서 **그것을** 마셨다" ("I bought bread and milk, so I drank **it**"). What is 그것 ("it")?
# The two candidates, 빵 and 우유, come *before* it; the verb that decides, 마셨다 (drank), comes *after* it.
# Neither side alone is enough.

# %%
from collections import Counter, defaultdict

import torch
from torch import nn

from course_lib import plots
from course_lib.data import ACTIVITIES, IT, korean_vocab
from course_lib.evidence import claim, seed_table, spread, verdict
from course_lib.padding import lengths_of, pad_batch, reverse_padded
from course_lib.parallel import train_in_parallel
from course_lib.rnn import RNN
from course_lib.tasks import ACTIVITY_NAMES, NOUNS, which_one
from course_lib.training import fit, sample_batches, seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)
vocab = korean_vocab()

# %% [markdown]
# ## 1. Two passes, states side by side
# A bidirectional RNN runs one RNN forward ($\overrightarrow{h}_t$ from words $1..t$) and a second one, with its
# own weights, backward ($\overleftarrow{h}_t$ from words $t..T$). Its output at step $t$ reads both:
# $y_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t]$, so every position sees the whole sentence. In the drawing
# each $y_t$ has two arrows in, one from each row.

# %%
ax = plots.unrolled_rnn("빵하고 우유를 샀다 그래서 그것을 마셨다".split(), bidirectional=True,
                        title="양방향 RNN: a forward and a backward pass; $y_t$ reads both states")

# %% [markdown]
# Built by hand: the backward pass is just an ordinary RNN run over the reversed sentence, whose outputs are
# flipped back so that step $t$ lines up with step $t$. We take the weights from `nn.RNN(bidirectional=True)`
# (its backward weights carry the suffix `_reverse`) and compare in float64.

# %%
torch.manual_seed(0)
reference = nn.RNN(input_size=5, hidden_size=3, batch_first=True, bidirectional=True).double()
p = dict(reference.named_parameters())
x = torch.randn(2, 4, 5, dtype=torch.float64)  # (B, T, I)


def run(x, suffix):
    """One direction's RNN over x (B, T, I) with the reference's weights for that direction."""
    h, states = torch.zeros(x.shape[0], 3, dtype=x.dtype), []
    for x_t in x.unbind(1):
        h = torch.tanh(x_t @ p[f"weight_ih_l0{suffix}"].T + p[f"bias_ih_l0{suffix}"]
                       + h @ p[f"weight_hh_l0{suffix}"].T + p[f"bias_hh_l0{suffix}"])
        states.append(h)
    return torch.stack(states, dim=1)  # (B, T, H)


forward_out = run(x, "")
backward_out = run(x.flip(1), "_reverse").flip(1)  # read right to left, then line up with t
ours = torch.cat([forward_out, backward_out], dim=2)  # (B, T, 2H): y_t = [h→_t ; h←_t]
theirs, _ = reference(x)
verdict("by hand vs nn.RNN(bidirectional=True)", ours, theirs, atol=1e-12)

# %% [markdown]
# `course_lib.rnn.RNN(bidirectional=True)` is the same layer: the backward direction is the same cell code run
# over the time-reversed sequence. The tests prove it equal to torch's in outputs, states and gradients over
# layers and layouts; one check here:

# %%
ours_layer = RNN(5, 3, batch_first=True, bidirectional=True).double()
ours_layer.load_state_dict(reference.state_dict())
out, h_n = ours_layer(x)
verdict("course RNN(bidirectional=True) vs torch's", out, theirs, atol=1e-12)
print("h_n holds both directions' final states:", tuple(h_n.shape), "= (layers × 2 directions, B, H)")

# %% [markdown]
# ## 2. A task that needs both sides: 그것은 어느 것이었나? (which one was "it"?)
# Every sentence is "SUBJECT A하고 B를 샀다 그래서 그것을 VERB" (`course_lib.tasks.which_one`): two things of
# different kinds were bought, and the verb says which one was used. At 그것을 the tagger must name the thing
# (one of 17). The sentences are held out by construction: the test sentences (`split="test"`) are a part of
# the 2,160 sentences that the training draws (`split="train"`) never contain.

# %%
train_x, train_y = which_one(2000, split="train", seed=0)
test_x, test_y = which_one(500, split="test", seed=1)
AT = train_x[0].index(IT)  # 그것을 is word 6 of every sentence (index 5)
for words, target in zip(test_x[:3], test_y[:3], strict=True):
    print(" ".join(words), "→ 그것 =", NOUNS[target[AT]])
train_X = pad_batch([vocab.encode(s) for s in train_x])
test_X = pad_batch([vocab.encode(s) for s in test_x])
claim("no test sentence occurs among the training sentences",
      not {tuple(s) for s in test_x} & {tuple(s) for s in train_x})

# %% [markdown]
# ### What each direction can know at 그것을
# - **Forward only**: at 그것을 it has read "나는 빵하고 우유를 샀다 그래서 그것을": both candidates, not the verb. Each
#   such beginning ends with either candidate's verb, equally often (the generator flips a coin), so over the
#   grammar's sentences, whatever it answers, it is right **half the time at best**. Counted in our sentences
#   below: many beginnings occur with both endings, that is with two different answers, and a forward reader
#   can give only one answer per beginning.
# - **Backward only**: at 그것을 it has read "그것을 마셨다": the kind of thing, not which of that kind was bought. The
#   best it can do is name the most frequent thing of that kind: about **1/4** (4 or 5 things per kind). On our
#   test set exactly, the best any function of "그것을 VERB" can score is computed below.
# - **Bidirectional**: both, so it can be right every time.

# %%
things = [len(ACTIVITIES[kind][0]) for kind in ACTIVITY_NAMES[:-1]]  # things per kind: 먹다 5, the others 4
grammar_backward = sum(1 / n for n in things) / len(things)  # each kind is meant equally often
answers_after_it = defaultdict(Counter)  # "그것을 VERB" -> how often each thing is the answer
for words, target in zip(test_x, test_y[:, AT].tolist(), strict=True):
    answers_after_it[tuple(words[AT:])][target] += 1
backward_ceiling = sum(max(c.values()) for c in answers_after_it.values()) / len(test_x)
answers_of_beginning = defaultdict(set)  # "나는 빵하고 우유를 샀다 그래서 그것을" -> its answers, all our sentences
for words, target in zip(train_x + test_x, torch.cat([train_y, test_y])[:, AT].tolist(), strict=True):
    answers_of_beginning[tuple(words[: AT + 1])].add(target)
twice = sum(len(a) == 2 for a in answers_of_beginning.values())
print(f"forward only, best possible: 1/2 ({twice} beginnings occur with both endings, i.e. two answers)")
print(f"backward only, best possible: {grammar_backward:.3f} over the grammar, {backward_ceiling:.3f} on this test set")
claim("no beginning has more than two answers", max(len(a) for a in answers_of_beginning.values()) <= 2)

# %% [markdown]
# Three taggers (aligned many-to-many), identical but for direction: forward only, backward only (the same
# one-way RNN fed the reversed sentence, its outputs flipped back), and bidirectional. Each has 32 units per
# direction and the same budget: 300 steps of Adam at learning rate 1e-2, batches of 64, for each of 3 seeds
# (the seed sets both the initial weights and the batch stream). The nine trainings share nothing, so
# `train_in_parallel` runs them side by side.

# %%
class Tagger(nn.Module):
    """Words (B, T) -> embedding -> RNN -> per-step scores (B, T, C)."""

    def __init__(self, direction, hidden_size=32):
        super().__init__()
        self.direction = direction
        self.embed = nn.Embedding(len(vocab), 16)
        self.rnn = RNN(16, hidden_size, batch_first=True, bidirectional=direction == "bidirectional")
        self.out = nn.Linear(hidden_size * (2 if direction == "bidirectional" else 1), len(NOUNS))

    def forward(self, x):
        e = self.embed(x)
        if self.direction == "backward only":  # all sentences have the same length: no padding to mind
            return self.out(self.rnn(e.flip(1))[0].flip(1))
        return self.out(self.rnn(e)[0])


def tag_loss(logits, y):
    return nn.functional.cross_entropy(logits.transpose(1, 2), y)  # -100 is ignored


# %% tags=["subslide"]
def accuracy_at_it(model):
    return {"accuracy at 그것을": (model(test_X)[:, AT].argmax(-1) == test_y[:, AT]).float().mean().item()}


def train(key, model):
    """Train one tagger (train_in_parallel calls this once per model, each in its own process)."""
    return fit(model, sample_batches(train_X, train_y, 64), steps=300, lr=1e-2, loss_fn=tag_loss,
               evaluate=accuracy_at_it, eval_every=50, seed=key[1], progress=False)


DIRECTIONS, SEEDS = ("forward only", "backward only", "bidirectional"), (0, 1, 2)
taggers = {}
for direction in DIRECTIONS:
    for seed in SEEDS:
        torch.manual_seed(seed)  # the seed sets the initial weights here and the batch stream in fit
        taggers[direction, seed] = Tagger(direction)
histories = train_in_parallel(taggers, train)

# %% [markdown]
# Test accuracy at 그것을 after 300 steps, mean (min-max) over the 3 seeds. The digits vary a little from one
# CPU to another; the claims below them hold on every one.

# %% tags=["nbval-ignore-output"]
acc = {d: spread(histories[d, s].last("accuracy at 그것을") for s in SEEDS) for d in DIRECTIONS}
seed_table({d: {"accuracy at 그것을": acc[d]} for d in DIRECTIONS}, first="tagger (3 seeds)")

# %%
claim("forward only stays at or below 1/2 at every seed", acc["forward only"].hi <= 0.5,
      forward=acc["forward only"])
claim(f"backward only stays at or below its ceiling on this test set, {backward_ceiling:.3f}, at every seed",
      acc["backward only"].hi <= backward_ceiling, backward=acc["backward only"])
claim("bidirectional is right on at least 90 % of the test sentences at every seed",
      acc["bidirectional"].lo >= 0.9, bidirectional=acc["bidirectional"])
claim("bidirectional beats both one-way taggers by more than 0.4 at every seed",
      acc["bidirectional"].lo - max(acc["forward only"].hi, acc["backward only"].hi) > 0.4, **acc)

# %% tags=["subslide"]
steps = histories["bidirectional", 0].eval_steps
mean_curves = {d: [sum(histories[d, s].metrics["accuracy at 그것을"][i] for s in SEEDS) / len(SEEDS)
                   for i in range(len(steps))] for d in DIRECTIONS}
fig, ax = plots.plt.subplots(figsize=(9, 3.8), layout="constrained")
ax = plots.curves(mean_curves, x=steps, hline=0.5, hline_label="forward only: best possible (1/2)",
                  title="그것은 어느 것이었나?: test accuracy at 그것을 (mean of 3 seeds)", xlabel="step",
                  ylabel="accuracy", ax=ax)
line = ax.axhline(backward_ceiling, color="gray", linestyle=":", label="backward only: best possible (this test set)")
legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the axes, off the curves

# %% [markdown]
# **Why is forward only even below 1/2?** The test sentences are new, but their *beginnings* need not be: for
# about half of them, training held the same beginning with the *other* verb (the sentence itself, with this
# verb, is held out). A forward reader that learnt "this beginning → that thing" then names the wrong one.
# We split the test sentences by whether their beginning (up to 그것을) occurred in training:

# %%
seen_beginnings = {tuple(s[: AT + 1]) for s in train_x}
seen = torch.tensor([tuple(s[: AT + 1]) in seen_beginnings for s in test_x])
print(f"{seen.float().mean():.2f} of the test sentences begin like a training sentence")
claim("about half of them (0.4-0.6)", 0.4 <= seen.float().mean() <= 0.6)
forward_right = {}
for s in SEEDS:
    with torch.no_grad():
        forward_right[s] = taggers["forward only", s](test_X)[:, AT].argmax(-1) == test_y[:, AT]
on_seen = spread(forward_right[s][seen].float().mean() for s in SEEDS)
on_new = spread(forward_right[s][~seen].float().mean() for s in SEEDS)

# %% tags=["nbval-ignore-output"]
print(f"forward only, beginning seen in training: {on_seen:.2f}; beginning never seen: {on_new:.2f}")

# %%
claim("on beginnings never seen in training, forward only is right about half the time (0.35-0.65), every seed",
      0.35 <= on_new.lo and on_new.hi <= 0.65, never_seen=on_new)
claim("on beginnings seen in training, it does worse, below 0.4, at every seed",
      on_seen.hi < 0.4 and all(a < b for a, b in zip(on_seen.values, on_new.values, strict=True)),
      seen=on_seen, never_seen=on_new)

# %% [markdown]
# **What the numbers say.** At 그것을 the forward-only tagger has read both candidates but not the verb: it can be
# right half the time at best, and it stays at or below that (lower still where training taught it the other
# answer for the same beginning). The backward-only tagger has read the verb but not the candidates: it stays at
# or below the best that "그것을 VERB" allows, about 1/4. The bidirectional tagger reads both and is right on at
# least 90 % of the held-out sentences at every seed. More units would not lift the one-way taggers: what limits
# them is what their state has read at 그것을, not how many units compute from it.

# %% [markdown]
# ## 3. Padding and the backward direction
# Real batches mix lengths and are right-padded. Flipping a padded row puts the padding *first*, so the
# backward RNN would read `<pad> <pad>` before the sentence's last word. The right reversal flips each
# sentence within its own length and leaves the padding at the end (`course_lib.padding.reverse_padded`):

# %%
batch = [["나는", "그것을", "먹었다"], ["어제", "그것을", "읽었다", "그래서", "공부를", "했다"]]
X = pad_batch([vocab.encode(s) for s in batch])
lengths = lengths_of(batch)
print("padded:             ", [vocab.decode(r, strip_specials=False) for r in X.tolist()][0])
print("flipped whole row:  ", [vocab.decode(r, strip_specials=False) for r in X.flip(1).tolist()][0])
print("reversed in length: ", [vocab.decode(r, strip_specials=False) for r in reverse_padded(X, lengths).tolist()][0])

# %% [markdown]
# torch does this bookkeeping inside `nn.RNN` when the batch is *packed* with its lengths
# (`nn.utils.rnn.pack_padded_sequence`); `pad_packed_sequence` turns the result back into a padded tensor, with
# zeros at the padded steps. The course layers take plain tensors, so they need the reversal done by hand when
# lengths differ. What goes wrong without it? Section 1's layer on a padded batch (row 1 has 2 words of 4),
# full length against packed:

# %%
x_pad = torch.randn(2, 4, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
pad_lengths = torch.tensor([4, 2])
x_pad[1, 2:] = 0.0  # right padding
full_length, _ = reference(x_pad)
packed = nn.utils.rnn.pack_padded_sequence(x_pad, pad_lengths, batch_first=True, enforce_sorted=False)
with_lengths, _ = nn.utils.rnn.pad_packed_sequence(reference(packed)[0], batch_first=True, total_length=4)
verdict("full row 0, both directions", full_length[0], with_lengths[0], atol=1e-12)
verdict("row 1's words, forward half (h→ has read no padding yet)", full_length[1, :2, :3], with_lengths[1, :2, :3],
        atol=1e-12)
claim("row 1's words, backward half: the full-length pass read the padding first, so it differs (by more than 0.01)",
      (full_length[1, :2, 3:] - with_lengths[1, :2, 3:]).abs().max() > 0.01)
claim("row 1's padded steps: the packed pass gives zeros", bool((with_lengths[1, 2:] == 0).all()))

# %% [markdown]
# ## Summary
# - 양방향 RNN: a forward pass and a backward pass with separate weights; the output at step $t$ is
#   $[\overrightarrow{h}_t ; \overleftarrow{h}_t]$, so every position sees the whole sentence. It is two ordinary
#   RNNs, the second run over the reversed sequence and flipped back; it equals `nn.RNN(bidirectional=True)`.
# - On 그것은 어느 것이었나?, measured above over 3 seeds: at 그것을 the forward-only tagger has not read the verb and
#   stays at or below 1/2; the backward-only tagger has not read the candidates and stays at or below about 1/4;
#   the bidirectional tagger reads both and is right on at least 90 % of held-out sentences.
# - It needs the whole sentence before it can answer, so it suits tagging and encoding, not generating word by
#   word. With padding, reverse each sentence within its length.

# %% [markdown]
# ## Exercises
# Two warm-ups drill the bookkeeping; the main exercise puts the whole notebook together. Under each answer
# cell, a check cell runs your function on stored cases and says what, if anything, is wrong. Your grade comes
# from running **only the answer cells**, apart from this notebook, with `math`, `np` (NumPy), `torch`, `nn`
# (`torch.nn`) and `F` (`torch.nn.functional`) already imported: so an answer must be self-contained, and
# everything it needs comes in as arguments (or from an earlier answer cell). An answer may import only math,
# numpy and torch, never `course_lib`; it may not use `getattr`, `exec`, `eval`, `open` or `globals`, nor private
# `._x` attributes.
#
# **Warm-up 1 (2 points).** Write `reverse_padded_batch(x, lengths)` in torch: `x` is `(B, T, F)`,
# right-padded; `lengths (B,)` holds each row's true length. Reverse every row within its length and leave
# the padding where it is.

# %% nbgrader={"grade": false, "grade_id": "reverse_padded_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def reverse_padded_batch(x, lengths):
    ### BEGIN SOLUTION
    out = x.clone()
    for b, n in enumerate(lengths.tolist()):
        out[b, :n] = x[b, :n].flip(0)
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "reverse_padded_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_reverse_padded

check_reverse_padded(reverse_padded_batch)

# %% [markdown]
# **Warm-up 2 (2 points).** A backward RNN was run over the reversed sentences and returned
# `backward_out_reversed (B, T, H)`, whose step 0 belongs to the *last* word. Together with the forward pass's
# `forward_out (B, T, H)`, return the bidirectional output `(B, T, 2H)` in torch's layout (forward first).

# %% nbgrader={"grade": false, "grade_id": "merge_directions_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def merge_directions(forward_out, backward_out_reversed):
    ### BEGIN SOLUTION
    return torch.cat([forward_out, backward_out_reversed.flip(1)], dim=2)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "merge_directions_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_merge_directions

check_merge_directions(merge_directions)

# %% [markdown]
# **Main exercise (5 points): the bidirectional pass over a padded batch.** Section 1 ran both directions over
# sentences of one length; section 3 showed that on a padded batch this full-length pass gets the backward
# half wrong. Write `bidirectional_rnn(x, lengths, forward, backward)`, which gives what torch's packed pass
# gave there, from the weights alone:
# - `x (B, T, I)` float64, right-padded with zeros; `lengths (B,)` long, row b has `lengths[b]` words (1 to T);
# - `forward` and `backward`: each direction's weights as a tuple `(W_ih (H, I), W_hh (H, H), b_ih (H,),
#   b_hh (H,))`, what `nn.RNN` calls `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0` (with the
#   suffix `_reverse` for the backward direction);
# - each direction starts from $h = 0$ and computes $h = \tanh(W_{ih} x + b_{ih} + W_{hh} h + b_{hh})$ with its
#   own weights;
# - return `(B, T, 2H)`: at a word t of row b, $[\overrightarrow{h}_t ; \overleftarrow{h}_t]$, where the forward
#   pass has read words $0..t$ and the backward pass words $\text{lengths}[b]-1$ down to $t$; zeros at every
#   padded step.

# %% [markdown]
# `nn.RNN`, `nn.RNNCell`, `torch.rnn_tanh` and `pack_padded_sequence` would do it for you: the check refuses
# them. Hint: think about one row at a time, and about which words exist for it. To test yourself, a batch
# without padding (every length T) must agree with section 1's cell.

# %% nbgrader={"grade": false, "grade_id": "bidirectional_padded_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bidirectional_rnn(x, lengths, forward, backward):
    """Outputs (B, T, 2H) of a bidirectional tanh RNN over a right-padded x (B, T, I); zeros at padding."""
    ### BEGIN SOLUTION
    B, T, _ = x.shape
    H = forward[1].shape[0]
    out = x.new_zeros(B, T, 2 * H)
    for half, (W_ih, W_hh, b_ih, b_hh) in enumerate((forward, backward)):
        for row in range(B):
            n = int(lengths[row])
            steps = range(n) if half == 0 else range(n - 1, -1, -1)  # backward: from the last word
            h = x.new_zeros(H)
            for t in steps:
                h = torch.tanh(W_ih @ x[row, t] + b_ih + W_hh @ h + b_hh)
                out[row, t, half * H : (half + 1) * H] = h
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "bidirectional_padded_check", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_bidirectional_padded

check_bidirectional_padded(bidirectional_rnn)

# %% [markdown]
# **Next:** [04 · 입력/출력층에 따른 종류 (input/output topologies)](04_io_topologies.ipynb) — one-to-many,
# many-to-one, many-to-many and encoder–decoder.
