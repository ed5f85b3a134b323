# %% [markdown]
# # 03 · 한방향 아닌, 양방향도 가능한가? — The bidirectional RNN (양방향 RNN)
#
# **After this notebook you will be able to**
# - build a bidirectional RNN from two ordinary passes, one forward and one over the reversed sentence, with their states joined at every step;
# - check that it equals `torch.nn.RNN(bidirectional=True)`;
# - measure, on a task whose answer lies LATER in the sentence, that a one-way RNN stays at chance while a bidirectional one is right;
# - reverse a padded batch correctly for the backward direction.
#
# The RNN of notebook 02 reads left to right, so its state $h_t$ knows only words $1..t$. The lecture asks:
# **한방향 아닌, 양방향도 가능한가?** — not only one direction: can it read both ways? In Korean this matters
# often, because the verb comes last: in "나는 어제 **그것을** 먹었다", what 그것 ("it") was becomes clear only at 먹었다.

# %%
import torch
from torch import nn

from course_lib import plots
from course_lib.data import korean_vocab, lengths_of, pad_batch, reverse_padded
from course_lib.rnn import RNN
from course_lib.tasks import ACTIVITY_NAMES, what_is_it
from course_lib.training import fit, sample_batches, seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)
vocab = korean_vocab()

# %% [markdown]
# ## 1. Two passes, states side by side
# A bidirectional RNN runs one RNN forward ($\overrightarrow{h}_t$ from words $1..t$) and a second one, with its
# own weights, backward ($\overleftarrow{h}_t$ from words $t..T$). Its output at step $t$ is both:
# $y_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t]$, so every position sees the whole sentence.

# %%
ax = plots.unrolled_rnn(["나는", "어제", "그것을", "먹었다"], bidirectional=True,
                        title="양방향 RNN: a forward and a backward pass over the same sentence")

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
ours = torch.cat([forward_out, backward_out], dim=2)  # (B, T, 2H)
theirs, _ = reference(x)
print("by hand vs nn.RNN(bidirectional=True), max |difference|:", f"{(ours - theirs).abs().max().item():.1e}")

# %% [markdown]
# `course_lib.rnn.RNN(bidirectional=True)` is the same layer: the backward direction is the same cell code run
# over the time-reversed sequence. The tests prove it equal to torch's in outputs, states and gradients over
# layers and layouts; one check here:

# %%
ours_layer = RNN(5, 3, batch_first=True, bidirectional=True).double()
ours_layer.load_state_dict(reference.state_dict())
out, h_n = ours_layer(x)
print("course RNN(bidirectional=True) equals torch's:", torch.allclose(out, theirs, rtol=0, atol=1e-12))
print("h_n holds both directions' final states:", tuple(h_n.shape), "= (layers × 2 directions, B, H)")

# %% [markdown]
# ## 2. A task where the answer comes later: 그것은 무엇이었나? (what was "it"?)
# Every sentence is "SUBJECT TIME 그것을 VERB". At the position of 그것을 the model must name the activity:
# 먹다 if the verb is 먹었다, 읽다 if it is 읽었다, and so on. The answer is one word *later*.

# %%
train_x, train_y = what_is_it(2000, seed=0)
test_x, test_y = what_is_it(500, seed=1)
for words, target in zip(test_x[:3], test_y[:3], strict=True):
    print(" ".join(words), "→ 그것 =", ACTIVITY_NAMES[target[2]])
train_X = pad_batch([vocab.encode(s) for s in train_x])
test_X = pad_batch([vocab.encode(s) for s in test_x])

# %% [markdown]
# Three taggers (aligned many-to-many), identical but for direction: forward only, backward only (the same
# one-way RNN fed the reversed sentence, its outputs flipped back), and bidirectional. Each gets 200 steps.

# %%
class Tagger(nn.Module):
    """Words (B, T) -> embedding -> RNN -> per-step scores (B, T, C)."""

    def __init__(self, direction, hidden_size=32):
        super().__init__()
        self.direction = direction
        self.embed = nn.Embedding(len(vocab), 16)
        self.rnn = RNN(16, hidden_size, batch_first=True, bidirectional=direction == "bidirectional")
        self.out = nn.Linear(hidden_size * (2 if direction == "bidirectional" else 1), len(ACTIVITY_NAMES))

    def forward(self, x):
        e = self.embed(x)
        if self.direction == "backward only":
            return self.out(self.rnn(e.flip(1))[0].flip(1))
        return self.out(self.rnn(e)[0])


def tag_loss(logits, y):
    return nn.functional.cross_entropy(logits.transpose(1, 2), y)  # -100 is ignored


def accuracy_at_it(model):
    logits = model(test_X)
    return {"accuracy at 그것을": (logits[:, 2].argmax(-1) == test_y[:, 2]).float().mean().item()}


histories = {}
for direction in ["forward only", "backward only", "bidirectional"]:
    seed_everything(0)
    histories[direction] = fit(Tagger(direction), sample_batches(train_X, train_y, 64), steps=200, lr=1e-2,
                               loss_fn=tag_loss, evaluate=accuracy_at_it, eval_every=20, desc=direction)

# %%
chance = 1 / len(ACTIVITY_NAMES)
print(f"{'tagger':<16}{'accuracy at 그것을':>18}   (chance {chance:.2f})")
for direction, h in histories.items():
    print(f"{direction:<16}{h.last('accuracy at 그것을'):>18.2f}")

# %%
ax = plots.curves({d: h.metrics["accuracy at 그것을"] for d, h in histories.items()},
                  x=histories["forward only"].eval_steps, hline=chance, hline_label="chance",
                  title="그것은 무엇이었나?: test accuracy at 그것을 while training", xlabel="step",
                  ylabel="accuracy")

# %% [markdown]
# **What the numbers say.** The forward-only tagger must answer at 그것을 before it reads the verb, so it can do
# no better than guess (near chance: it never sees the one word that decides). Reading backward alone
# solves this task, but would fail the mirror image (an answer that depends on an *earlier* word);
# the bidirectional tagger has both and is right. It is not a matter of size: all three have the same
# kind of RNN; only what each state has *seen* differs.
#
# ## 3. Padding and the backward direction
# Real batches mix lengths and are right-padded. Flipping a padded row puts the padding *first*, so the
# backward RNN would read `<pad> <pad>` before the sentence's last word. The right reversal flips each
# sentence within its own length and leaves the padding at the end (`course_lib.data.reverse_padded`):

# %%
batch = [["나는", "그것을", "먹었다"], ["어제", "그것을", "읽었다", "그래서", "공부를", "했다"]]
X = pad_batch([vocab.encode(s) for s in batch])
lengths = lengths_of(batch)
print("padded:             ", [vocab.decode(r, strip_specials=False) for r in X.tolist()][0])
print("flipped whole row:  ", [vocab.decode(r, strip_specials=False) for r in X.flip(1).tolist()][0])
print("reversed in length: ", [vocab.decode(r, strip_specials=False) for r in reverse_padded(X, lengths).tolist()][0])

# %% [markdown]
# (torch's `nn.utils.rnn.pack_padded_sequence` does the same bookkeeping inside `nn.RNN`; the course layers
# take plain tensors, so they need the reversal done this way when lengths differ.)
#
# ## Summary
# - 양방향 RNN: a forward pass and a backward pass with separate weights; the output at step $t$ is
#   $[\overrightarrow{h}_t ; \overleftarrow{h}_t]$, so every position sees the whole sentence. It is two ordinary
#   RNNs, the second run over the reversed sequence and flipped back; it equals `nn.RNN(bidirectional=True)`.
# - On 그것은 무엇이었나?, measured above: the forward-only tagger stays near chance at 그것을, because the word that
#   decides comes later; the bidirectional tagger is right.
# - It needs the whole sentence before it can answer, so it suits tagging and encoding, not generating word by
#   word. With padding, reverse each sentence within its length.
#
# ## Exercises
# **Exercise 1 (2 points).** Write `reverse_padded_batch(x, lengths)` in torch: `x` is `(B, T, F)`,
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
# **Exercise 2 (2 points).** A backward RNN was run over the reversed sentences and returned
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
# **Next:** [04 · 입력/출력층에 따른 종류 (input/output topologies)](04_io_topologies.ipynb) — one-to-many,
# many-to-one, many-to-many and encoder–decoder.
