# %% [markdown]
# # 02 · RNN(순환 신경망)? — The recurrent neural network
#
# **After this notebook you will be able to**
# - write the recurrence $h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b)$ and unroll it over a sentence, one set of weights shared by every step;
# - run it step by step in NumPy, build the same cell from torch primitives, and check that both equal `torch.nn.RNN`;
# - backpropagate through time (BPTT) by hand and check the gradients against finite differences and autograd;
# - train a small next-token model on the course corpus and sample sentences from it;
# - show that the RNN solves the order task that defeated both DNNs of notebook 01.
#
# Notebook 01 ended with what a sentence model needs: read the words **in order**, use **the same weights
# at every position**, and carry a **memory** from one word to the next. The lecture's answer is the
# **Recurrent Neural Network, RNN (순환 신경망)**: at every step it mixes the new word $x_t$ with its memory
# $h_{t-1}$ and writes a new memory $h_t$.
#
# $$h_t = \tanh(W_{xh}\,x_t + W_{hh}\,h_{t-1} + b)$$

# %%
import numpy as np
import torch
from torch import nn

from course_lib import plots
from course_lib.data import corpus, korean_vocab, pad_batch
from course_lib.gradients import numerical_gradient, relative_error
from course_lib.rnn import RNN, rnn_backward, rnn_forward, rnn_step_forward
from course_lib.tasks import ACTIVITY_NAMES, which_came_first
from course_lib.training import accuracy, fit, sample_batches, seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)

# %% [markdown]
# ## 1. Unrolled in time
# Drawn over the lecture's sentence, the RNN is one cell copied along time. Every copy uses the **same**
# $W_{xh}$ and $W_{hh}$: that is what lets it read a sentence of any length and use what it learnt about a
# word wherever the word appears.

# %%
ax = plots.unrolled_rnn(["나는", "밥을", "먹었다"], title="RNN(순환 신경망) unrolled over 나는 밥을 먹었다")

# %% [markdown]
# ## 2. One step, then the sentence, in NumPy
# Words enter as one-hot vectors $x_t$ of size $I$ (the vocabulary); the memory $h_t$ has size $H$.
# The weights use PyTorch's layout, $W_{xh}$ of shape $(H, I)$ and $W_{hh}$ of shape $(H, H)$, and a batch holds
# row vectors, so $W_{xh} x_t$ is written `x_t @ W_xh.T`.

# %%
vocab = korean_vocab()
sentence = ["나는", "밥을", "먹었다"]
I, H = len(vocab), 4
rng = np.random.default_rng(0)
W_xh = rng.normal(0, 0.5, (H, I))
W_hh = rng.normal(0, 0.5, (H, H))
b = np.zeros(H)
x = np.eye(I)[vocab.encode(sentence)][None]  # (B=1, T=3, I) one-hot words

h = np.zeros((1, H))
for t, word in enumerate(sentence):
    # h_t = tanh(W_xh x_t + W_hh h_{t-1} + b)
    h = np.tanh(x[:, t] @ W_xh.T + h @ W_hh.T + b)
    print(f"t={t + 1} {word:<4} h_t = {np.round(h[0], 3)}")

# %% [markdown]
# The last $h_t$ depends on every word, and on their order. `course_lib.rnn` packages the step
# (`rnn_step_forward`) and the loop over time (`rnn_forward`, which also keeps a cache for backprop):

# %%
hs, cache = rnn_forward(x, np.zeros((1, H)), W_xh, W_hh, b)
print("rnn_forward's last state equals the loop above:", np.allclose(hs[0, -1], h[0]))
reordered = np.eye(I)[vocab.encode(["먹었다", "밥을", "나는"])][None]
print("reordered sentence, same final state?", np.allclose(rnn_forward(reordered, np.zeros((1, H)), W_xh, W_hh, b)[0][0, -1], h[0]))

# %% [markdown]
# ## 3. The same cell from torch primitives, checked against `torch.nn.RNN`
# In PyTorch the step is one line. `nn.RNN` keeps two biases, `bias_ih` and `bias_hh` (their sum is our $b$).
# We copy its weights, run both on the same random batch in float64, and compare.

# %%
torch.manual_seed(0)
reference = nn.RNN(input_size=5, hidden_size=3, batch_first=True).double()
p = dict(reference.named_parameters())
x_batch = torch.randn(2, 4, 5, dtype=torch.float64)  # (B, T, I)

h_t = torch.zeros(2, 3, dtype=torch.float64)
states = []
for x_t in x_batch.unbind(1):
    h_t = torch.tanh(x_t @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h_t @ p["weight_hh_l0"].T + p["bias_hh_l0"])
    states.append(h_t)
ours = torch.stack(states, dim=1)
theirs, _ = reference(x_batch)
print(f"max |difference| to nn.RNN: {(ours - theirs).abs().max().item():.1e}")

# %% [markdown]
# `course_lib.rnn.RNN` is that loop grown into a drop-in replacement for `nn.RNN`: the same constructor
# (`num_layers`, `nonlinearity`, `bias`, `batch_first`, `bidirectional`), parameter names and returns, so
# `load_state_dict` moves weights between them. The test suite proves outputs, states and every gradient equal
# in float64 across layers, directions and layouts; here is one check, with two layers:

# %%
torch.manual_seed(1)
theirs = nn.RNN(5, 3, num_layers=2, batch_first=True).double()
ours = RNN(5, 3, num_layers=2, batch_first=True).double()
ours.load_state_dict(theirs.state_dict())
out_ours, h_ours = ours(x_batch)
out_theirs, h_theirs = theirs(x_batch)
out_ours.sum().backward()
out_theirs.sum().backward()
print("outputs equal:", torch.allclose(out_ours, out_theirs, atol=1e-12, rtol=0),
      "| final states equal:", torch.allclose(h_ours, h_theirs, atol=1e-12, rtol=0))
print("every gradient equal:", all(torch.allclose(a.grad, b.grad, atol=1e-12, rtol=0)
                                   for a, b in zip(ours.parameters(), theirs.parameters(), strict=True)))

# %% [markdown]
# ## 4. Backpropagation through time (BPTT)
# Training needs $\partial L/\partial W$. Because $W_{hh}$ is used at every step, its gradient is a **sum over
# time**, and the gradient reaching $h_t$ comes both from the loss at step $t$ and from $h_{t+1}$:
#
# $$\frac{\partial L}{\partial h_t} = \frac{\partial L_t}{\partial h_t} + \frac{\partial L}{\partial h_{t+1}}\,\frac{\partial h_{t+1}}{\partial h_t},
# \qquad \frac{\partial h_{t+1}}{\partial h_t} = \operatorname{diag}(1-h_{t+1}^2)\,W_{hh}$$
#
# `rnn_backward` walks the cache backwards in exactly this way. We check it two ways: against finite
# differences, $\frac{L(W+\epsilon)-L(W-\epsilon)}{2\epsilon}$ one entry at a time, and against torch's autograd.

# %%
rng = np.random.default_rng(1)
B, T, I_, H_ = 3, 5, 4, 6
xs, h0 = rng.normal(size=(B, T, I_)), rng.normal(size=(B, H_))
Wx, Wh, bb = rng.normal(0, 0.4, (H_, I_)), rng.normal(0, 0.4, (H_, H_)), rng.normal(0, 0.1, H_)
dh = rng.normal(size=(B, T, H_))  # upstream gradient: L = sum(dh * h)

hs, cache = rnn_forward(xs, h0, Wx, Wh, bb)
dx, dh0, dWx, dWh, db = rnn_backward(dh, cache)


def loss_of_W_hh(W):
    return float(np.sum(dh * rnn_forward(xs, h0, Wx, W, bb)[0]))


print(f"W_hh: relative error to finite differences {relative_error(dWh, numerical_gradient(loss_of_W_hh, Wh)):.1e}")

# %%
t_params = [torch.tensor(a, requires_grad=True) for a in (xs, h0, Wx, Wh, bb)]
t_x, t_h, t_Wx, t_Wh, t_b = t_params
hs_t = []
for x_t in t_x.unbind(1):
    t_h = torch.tanh(x_t @ t_Wx.T + t_h @ t_Wh.T + t_b)
    hs_t.append(t_h)
(torch.stack(hs_t, 1) * torch.tensor(dh)).sum().backward()
for name, ours_grad, param in zip(["x", "h0", "W_xh", "W_hh", "b"], [dx, dh0, dWx, dWh, db], t_params, strict=True):
    print(f"{name:<5} relative error to autograd: {relative_error(ours_grad, param.grad.numpy()):.1e}")

# %% [markdown]
# ## 5. The order task of notebook 01
# 무엇을 먼저 했나? defeated both DNNs: the bag of words could not see order, and the fixed-position DNN was lost
# when the words moved by one slot. The RNN reads in order with shared weights. Same data, same budget
# (300 steps): an embedding, `course_lib.rnn.RNN`, and a linear read-out of the last state.

# %%
class RNNClassifier(nn.Module):
    """Words (B, T) -> embedding -> RNN -> last state -> class scores (B, C)."""

    def __init__(self, vocab_size, hidden_size, num_classes):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 16)
        self.rnn = RNN(16, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        _, h_n = self.rnn(self.embed(x))  # h_n: (1, B, H)
        return self.out(h_n[-1])


def encode(sentences):
    return pad_batch([vocab.encode(s) for s in sentences])


train_x, train_y = which_came_first(2000, seed=0)
test_x, test_y = which_came_first(500, seed=1)
shifted_x, shifted_y = which_came_first(500, time_words=(1, 1), seed=2)
train_X, test_X, shifted_X = encode(train_x), encode(test_x), encode(shifted_x)

seed_everything(0)
classifier = RNNClassifier(len(vocab), 32, len(ACTIVITY_NAMES))
history = fit(classifier, sample_batches(train_X, train_y, 64), steps=300, lr=1e-2, desc="RNN")
with torch.no_grad():
    rnn_acc = {"same positions": accuracy(classifier(test_X), test_y),
               "shifted by one word": accuracy(classifier(shifted_X), shifted_y)}
print({k: round(v, 2) for k, v in rnn_acc.items()})

# %% [markdown]
# (All training sentences have the same length, so the last state sits at the last column; with padding
# one would read the state at each sentence's own last word, as notebook 04 does.)

# %%
ax = plots.bars(rnn_acc, title="RNN on 무엇을 먼저 했나?: 정확도 (accuracy)", ylabel="test accuracy",
                chance=1 / len(ACTIVITY_NAMES))

# %% [markdown]
# ## 6. A next-token model on the course corpus
# The same cell can *write*. Trained to predict the next word at every step (many-to-many), an RNN
# language model learns the grammar of the corpus: which objects go with which verbs, and that 그래서 joins two
# clauses. Every sentence is framed as `<bos> words <eos>`; padding is ignored in the loss.

# %%
sentences = [s.korean for s in corpus()]
seqs = pad_batch([vocab.encode(["<bos>", *s, "<eos>"]) for s in sentences])  # (N, T+2)
inputs, targets = seqs[:, :-1], seqs[:, 1:]


class NextWordRNN(nn.Module):
    """Words (B, T) -> scores for the next word at every step (B, T, V)."""

    def __init__(self, vocab_size, hidden_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 16)
        self.rnn = RNN(16, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, h=None):
        states, h = self.rnn(self.embed(x), h)  # states: (B, T, H)
        return self.out(states), h


def next_word_loss(output, y):
    logits, _ = output
    return nn.functional.cross_entropy(logits.transpose(1, 2), y, ignore_index=vocab.pad_index)


seed_everything(0)
lm = NextWordRNN(len(vocab), 64)
lm_history = fit(lm, sample_batches(inputs, targets, 32), steps=400, lr=1e-2, loss_fn=next_word_loss, desc="next word")
print(f"loss: {lm_history.loss[0]:.2f} at the start (ln V = {np.log(len(vocab)):.2f}), "
      f"{np.mean(lm_history.loss[-20:]):.2f} averaged over the last 20 steps")

# %%
ax = plots.curves({"training loss": lm_history.loss}, title="Next-word RNN: cross-entropy while training",
                  xlabel="step", ylabel="cross-entropy (nats)")

# %% [markdown]
# To sample, feed `<bos>`, draw the next word from the softmax, feed it back, and stop at `<eos>`.
# The generator is seeded, so the samples are the same on every run.

# %%
def sample(model, start=(), max_len=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    words, h = list(start), None
    x = torch.tensor([vocab.encode(["<bos>", *start])])
    with torch.no_grad():
        while len(words) < max_len:
            logits, h = model(x, h)
            nxt = torch.multinomial(logits[0, -1].softmax(-1), 1, generator=g).item()
            if vocab.itos[nxt] == "<eos>":
                break
            words.append(vocab.itos[nxt])
            x = torch.tensor([[nxt]])
    return " ".join(words)


for seed in range(4):
    print(sample(lm, seed=seed))
print(sample(lm, start=["나는", "밥을"], seed=0))

# %% [markdown]
# How grammatical are the samples? Count how many of 200 samples are sentences of the corpus
# (the grammar's exact sentences): a model that had learnt nothing would almost never hit one.

# %%
known = {" ".join(s) for s in sentences}
samples = [sample(lm, seed=1000 + i) for i in range(200)]
print(f"{sum(s in known for s in samples)} of 200 samples are sentences of the grammar; "
      f"{len(set(samples))} distinct")

# %% [markdown]
# ## 7. The hidden state as memory
# Each $h_t$ summarises what the RNN has read. Below, the first four units of the language model's state as it
# reads the lecture's sentences: the state jumps with each word, and differs after "그래서" depending on what
# came before.

# %%
fig, axes = plots.plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
for ax, words in zip(axes, [["나는", "밥을", "먹었다", "그래서", "공부를", "했다"],
                            ["나는", "공부를", "했다", "그래서", "밥을", "먹었다"]], strict=True):
    with torch.no_grad():
        states, _ = lm.rnn(lm.embed(torch.tensor([vocab.encode(words)])))
    ax.plot(states[0, :, :4].numpy(), marker="o")
    ax.set_xticks(range(len(words)), words)
    ax.set(title="hidden state h_t (units 1-4)", ylabel="activation")
fig.tight_layout()

# %% [markdown]
# ## Summary
# - The RNN (순환 신경망) applies one cell at every step: $h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b)$, the same
#   weights everywhere, the state $h_t$ carrying memory forward.
# - A NumPy loop, a torch-primitives loop and `course_lib.rnn.RNN` give the same numbers as `torch.nn.RNN`
#   (measured above in float64).
# - Backprop through time sums each weight's gradient over steps and passes $\partial L/\partial h_t$ back through
#   $\operatorname{diag}(1-h^2) W_{hh}$ at every step; our NumPy BPTT matched finite differences and autograd.
# - On 무엇을 먼저 했나? the RNN was right in place and stayed far above chance when every word shifted by one slot,
#   where the fixed-position DNN of notebook 01 fell to chance, even though the time word in front was a word it had
#   never seen in training. A next-word RNN learnt to write sentences of the course grammar.
#
# That product of $W_{hh}$'s, one per step, will matter: notebook 05 shows what it does over long distances.
#
# ## Exercises
# **Exercise 1 (2 points).** Write one RNN step in NumPy: `rnn_step(x, prev_h, W_xh, W_hh, b)` with
# `x (B, I)`, `prev_h (B, H)`, `W_xh (H, I)`, `W_hh (H, H)`, `b (H,)`; return `next_h (B, H)`.

# %% nbgrader={"grade": false, "grade_id": "rnn_step_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rnn_step(x, prev_h, W_xh, W_hh, b):
    ### BEGIN SOLUTION
    return np.tanh(x @ W_xh.T + prev_h @ W_hh.T + b)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "rnn_step_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_rnn_step

check_rnn_step(rnn_step)

# %% [markdown]
# **Exercise 2 (3 points).** Backpropagate through that step: `rnn_step_backward(dnext_h, x, prev_h, W_xh, W_hh, next_h)`
# returns `(dx, dprev_h, dW_xh, dW_hh, db)`, the gradients of the loss given `dnext_h = ∂L/∂next_h (B, H)`.
# Remember $\tanh'(a) = 1 - \tanh(a)^2$, and that `next_h` is already $\tanh(a)$.

# %% nbgrader={"grade": false, "grade_id": "rnn_step_backward_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rnn_step_backward(dnext_h, x, prev_h, W_xh, W_hh, next_h):
    ### BEGIN SOLUTION
    da = dnext_h * (1 - next_h**2)
    return da @ W_xh, da @ W_hh, da.T @ x, da.T @ prev_h, da.sum(axis=0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "rnn_step_backward_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_rnn_step_backward

check_rnn_step_backward(rnn_step_backward)

# %% [markdown]
# **Next:** [03 · 양방향 RNN (bidirectional RNN)](03_bidirectional_rnn.ipynb) — when the answer depends on
# what comes *later* in the sentence.
