# %% [markdown]
# # 02 · RNN(순환 신경망)? — The recurrent neural network
#
# **After this notebook you will be able to**
# - write the recurrence $h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b)$ and unroll it over a sentence, one set of weights shared by every step;
# - run it step by step in NumPy, build the same cell from torch primitives, and check that both equal `torch.nn.RNN`;
# - backpropagate through time (BPTT) by hand and check the gradients against finite differences and autograd;
# - compare the RNN with both DNNs of notebook 01 on held-out sentences over 3 seeds, and test by experiment why a
#   time word in front still costs it accuracy;
# - train a small next-token model on the course corpus and sample sentences from it.
#
# Notebook 01 ended with the lecture's question **순서를 고려한 모델?** (a model that respects order?) and with what
# such a model needs: read the words **in order**, use **the same weights at every position**, and carry a
# **memory** from one word to the next. The lecture's answer is the **Recurrent Neural Network, RNN (순환 신경망)**:
# at every step it mixes the new word $x_t$ with its memory $h_{t-1}$, the **hidden state (은닉 상태)**, and writes
# a new hidden state $h_t$.
#
# $$h_t = \tanh(W_{xh}\,x_t + W_{hh}\,h_{t-1} + b)$$

# %%
import numpy as np
import torch
from torch import nn

from course_lib import plots
from course_lib.data import ACTIVITIES, SUBJECTS, TIME_WORDS, corpus, korean_vocab
from course_lib.dnn import BagOfWordsDNN, FixedPositionDNN
from course_lib.evidence import claim, seed_table, spread, verdict
from course_lib.gradients import numerical_gradient, relative_error
from course_lib.padding import pad_batch
from course_lib.parallel import train_in_parallel
from course_lib.rnn import RNN, rnn_backward, rnn_forward, rnn_step_backward
from course_lib.tasks import ACTIVITY_NAMES, which_came_first
from course_lib.training import accuracy, fit, sample_batches, seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)

# %% [markdown]
# ## 1. Unrolled in time
# Drawn over the lecture's sentence, the RNN is one cell copied along time. Every copy uses the **same**
# $W_{xh}$ and $W_{hh}$: that is what lets it read a sentence of any length and use what it learnt about a
# word wherever the word appears. Above each hidden state the diagram draws an output $y_t$, read from the
# hidden state by one more weight matrix that is also shared by every step:
#
# $$y_t = W_{hy}\,h_t + b_y$$
#
# A model that needs one answer per sentence (section 5) reads only the last $y_t$; a model that predicts the next
# word (section 6) reads every $y_t$.

# %%
ax = plots.unrolled_rnn(["나는", "밥을", "먹었다"], title="RNN(순환 신경망) unrolled over 나는 밥을 먹었다")

# %% [markdown]
# ## 2. One step, then the sentence, in NumPy
# Words enter as one-hot vectors $x_t$ of size $I$ (the vocabulary); the hidden state $h_t$ has size $H$.
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
verdict("rnn_forward's last state vs the loop above", hs[0, -1], h[0], atol=1e-12)
reordered = np.eye(I)[vocab.encode(["먹었다", "밥을", "나는"])][None]
hs_reordered, _ = rnn_forward(reordered, np.zeros((1, H)), W_xh, W_hh, b)
print("reordered sentence, same final state?", np.allclose(hs_reordered[0, -1], h[0]))

# %% [markdown]
# ## 3. The same cell from torch primitives, checked against `torch.nn.RNN`
# In PyTorch the step is one line. `nn.RNN` keeps two biases, `bias_ih` and `bias_hh` (their sum is our $b$).
# We copy its weights, run both on the same random batch in float64, and compare. The two differ only by
# rounding, in the last bits, by an amount that depends on the CPU's kernels: so we check that they agree within
# a tolerance, $10^{-12}$, rather than print the rounding.

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
verdict("our torch-primitive loop vs nn.RNN, every h_t", ours, theirs, atol=1e-12)

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
verdict("outputs", out_ours, out_theirs, atol=1e-12)
verdict("final states", h_ours, h_theirs, atol=1e-12)
verdict("every gradient", torch.cat([q.grad.flatten() for q in ours.parameters()]),
        torch.cat([q.grad.flatten() for q in theirs.parameters()]), atol=1e-12)

# %% [markdown]
# ## 4. Backpropagation through time (BPTT, 시간에 따른 역전파)
# Training needs $\partial L/\partial W$. Because $W_{hh}$ is used at every step, its gradient is a **sum over
# time**, and the gradient reaching $h_t$ comes both from the loss at step $t$ and from $h_{t+1}$:
#
# $$\frac{\partial L}{\partial h_t} = \frac{\partial L_t}{\partial h_t} + \frac{\partial L}{\partial h_{t+1}}\,\frac{\partial h_{t+1}}{\partial h_t},
# \qquad \frac{\partial h_{t+1}}{\partial h_t} = \operatorname{diag}(1-h_{t+1}^2)\,W_{hh}$$
#
# A small random problem to check it on: a batch of 3 sequences of 5 steps, and an upstream gradient for every $h_t$.

# %%
rng = np.random.default_rng(1)
B, T, I_, H_ = 3, 5, 4, 6
xs, h0 = rng.normal(size=(B, T, I_)), rng.normal(size=(B, H_))
Wx, Wh, bb = rng.normal(0, 0.4, (H_, I_)), rng.normal(0, 0.4, (H_, H_)), rng.normal(0, 0.1, H_)
dh = rng.normal(size=(B, T, H_))  # upstream gradient: L = sum(dh * h)
hs, cache = rnn_forward(xs, h0, Wx, Wh, bb)

# %% [markdown]
# Backpropagation through time (시간에 따른 역전파) is the chain rule run backwards over the unrolled steps. Written out:
# `rnn_step_backward(dnext_h, cache)` backpropagates through one step (Exercise 1 asks you to write it), and a loop
# walks the steps from last to first, carrying $\partial L/\partial h_t$ back in time and adding up each step's
# weight gradients. `course_lib.rnn.rnn_backward` is this same loop:

# %%
dx, dWx, dWh, db = np.zeros_like(xs), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(bb)
dnext = np.zeros_like(h0)  # what flows back into h_t from h_{t+1}: nothing after the last step
for t in reversed(range(T)):
    # ∂L/∂h_t = its own loss term + what flows back from h_{t+1}
    dx[:, t], dnext, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dnext, cache[t])
    dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t  # the weights are shared: their gradients add up
dh0 = dnext
for name, ours_grad, library in zip(["x", "h0", "W_xh", "W_hh", "b"], [dx, dh0, dWx, dWh, db],
                                    rnn_backward(dh, cache), strict=True):
    verdict(f"{name:<5} the loop above vs rnn_backward", ours_grad, library, atol=1e-12)

# %% [markdown]
# We check these gradients two ways: against finite differences, $\frac{L(W+\epsilon)-L(W-\epsilon)}{2\epsilon}$ one
# entry at a time, and against torch's autograd. Finite differences are exact only up to about $\epsilon^2$ and
# rounding, so they agree to about $10^{-6}$; autograd does the same arithmetic as we do, so it agrees to rounding.

# %%
def loss_of_W_hh(W):
    return float(np.sum(dh * rnn_forward(xs, h0, Wx, W, bb)[0]))


fd_error = relative_error(dWh, numerical_gradient(loss_of_W_hh, Wh))
claim("W_hh: BPTT's gradient matches finite differences, relative error below 1e-6", fd_error < 1e-6, error=fd_error)

# %%
t_params = [torch.tensor(a, requires_grad=True) for a in (xs, h0, Wx, Wh, bb)]
t_x, t_h, t_Wx, t_Wh, t_b = t_params
hs_t = []
for x_t in t_x.unbind(1):
    t_h = torch.tanh(x_t @ t_Wx.T + t_h @ t_Wh.T + t_b)
    hs_t.append(t_h)
(torch.stack(hs_t, 1) * torch.tensor(dh)).sum().backward()
for name, ours_grad, param in zip(["x", "h0", "W_xh", "W_hh", "b"], [dx, dh0, dWx, dWh, db], t_params, strict=True):
    error = relative_error(ours_grad, param.grad.numpy())
    claim(f"{name:<5} BPTT's gradient matches autograd, relative error below 1e-12", error < 1e-12, error=error)

# %% [markdown]
# ## 5. The order task of notebook 01, against both DNNs
# 무엇을 먼저 했나? ("A 그래서 B": which activity came first?) defeated both DNNs of notebook 01 on held-out
# sentences: the bag of words could not see order, and the fixed-position DNN was lost when a time word in front
# moved every word by one slot. The RNN reads in order with shared weights. The classifier: an embedding (one
# learnt vector of 16 numbers per word), `course_lib.rnn.RNN`, and $y = W_{hy} h_T + b_y$ on the last hidden state.

# %%
class RNNClassifier(nn.Module):
    """Words (B, T) -> embedding -> RNN -> last state -> class scores (B, C)."""

    def __init__(self, vocab_size, hidden_size, num_classes):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 16)
        self.rnn = RNN(16, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, num_classes)  # y = W_hy h_T + b_y

    def forward(self, x):
        _, h_n = self.rnn(self.embed(x))  # h_n: (1, B, H)
        return self.out(h_n[-1])


# %% [markdown]
# The data of notebook 01: training sentences without a time word, and two test sets drawn only from the held-out
# quarter of the 250 sentences (`split="test"`), in place and with one time word in front. (Every sentence of a set
# has the same length, so the last state sits at the last column; with padding one would read the state at each
# sentence's own last word, as notebook 04 does.)

# %%
def encode(sentences):
    return pad_batch([vocab.encode(s) for s in sentences])


train_x, train_y = which_came_first(2000, split="train", seed=0)
test_x, test_y = which_came_first(500, split="test", seed=1)
shifted_x, shifted_y = which_came_first(500, time_words=(1, 1), split="test", seed=2)
train_X, test_X, shifted_X = encode(train_x), encode(test_x), encode(shifted_x)
seen = {" ".join(s) for s in train_x}
claim("no test sentence occurs among the training sentences", not any(" ".join(s) in seen for s in test_x))

# %% [markdown]
# The three models get the same budget as in notebook 01: 300 Adam steps on batches of 64, learning rate 0.01,
# hidden size 32, and the same 3 seeds (seed $s$ sets the initial weights and the stream of batches). The two DNN
# rows are notebook 01's runs again: same data, seeds and budget.

# %%
SEEDS, STEPS, LR = (0, 1, 2), 300, 1e-2
METRICS = ("same positions", "shifted by one word")
MODELS = {"RNN": lambda: RNNClassifier(len(vocab), 32, len(ACTIVITY_NAMES)),
          "bag-of-words DNN": lambda: BagOfWordsDNN(len(vocab), 32, len(ACTIVITY_NAMES)),
          "fixed-position DNN": lambda: FixedPositionDNN(len(vocab), 6, 32, len(ACTIVITY_NAMES))}


def evaluate(model):
    same, shifted = accuracy(model(test_X), test_y), accuracy(model(shifted_X), shifted_y)
    return dict(zip(METRICS, (same, shifted), strict=True))


def build(name, seed):
    torch.manual_seed(seed)  # the seed sets the initial weights
    return MODELS[name]()


def train_on(X, y, steps=STEPS):
    return lambda key, model: fit(model, sample_batches(X, y, 64), steps=steps, lr=LR, seed=key[1], evaluate=evaluate,
                                  progress=False)


models = {(name, seed): build(name, seed) for name in MODELS for seed in SEEDS}
histories = train_in_parallel(models, train_on(train_X, train_y), progress=False)

# %% [markdown]
# 02's table: accuracy on the held-out sentences, mean over the 3 seeds (lowest-highest in brackets); chance is 0.20.

# %% tags=["nbval-ignore-output"]
results = {name: {m: spread(histories[name, s].last(m) for s in SEEDS) for m in METRICS} for name in MODELS}
seed_table(results)

# %%
rnn, bag, pos = results["RNN"], results["bag-of-words DNN"], results["fixed-position DNN"]
same, shifted = METRICS
claim("the RNN is right on held-out sentences in place, at least 0.95 at every seed (so is the fixed-position DNN)",
      min(rnn[same].lo, pos[same].lo) >= 0.95, rnn=rnn[same], fixed=pos[same])
claim("in place the bag of words stays below 0.25 at every seed: order is what it lacks",
      bag[same].hi < 0.25, bag=bag[same])
claim("shifted, the RNN scores between 0.45 and 0.70 at every seed",
      0.45 <= rnn[shifted].lo and rnn[shifted].hi <= 0.70, rnn=rnn[shifted])
claim("shifted, the RNN's worst seed beats both DNNs' best seed by more than 0.2",
      rnn[shifted].lo > max(bag[shifted].hi, pos[shifted].hi) + 0.2,
      rnn=rnn[shifted], bag=bag[shifted], fixed=pos[shifted])

# %% tags=["subslide"]
fig, axes = plots.plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
for ax, m in zip(axes, METRICS, strict=True):
    plots.bars({name.replace(" DNN", "\nDNN"): results[name][m].mean for name in MODELS},
               title=f"{m}\n정확도 (accuracy), mean of 3 seeds", ylabel="held-out accuracy",
               chance=1 / len(ACTIVITY_NAMES), ax=ax)
    ax.set_ylim(0, 1.15)
    for text in list(ax.texts):  # a number on a bar near 0.20 would sit on the chance line: put it inside
        text.remove()
    ax.bar_label(ax.containers[0], fmt="{:.2f}", label_type="center", color="white", fontsize=11)

# %% [markdown]
# So the RNN solves the task where notebook 01's DNNs could not: in place it is as right as the fixed-position
# DNN, and shifted it stays far above both. But it does not stay perfect when a time word is put in front.
# Its weights are the same at every step, so moving the words by one slot is no problem in itself. What is new is
# the time word: no training sentence had one, so its embedding (its 16 input numbers) is still the random vector
# it was initialised with. The RNN reads that vector first, and starts the sentence from a hidden state it never met
# in training.
#
# That is a hypothesis; two experiments test it. First, without retraining, set the time words' vectors to zero, so
# that the time word brings no input. If the untrained vector is what hurts, the score should rise toward the
# in-place score.

# %% tags=["nbval-ignore-output"]
time_words = [vocab.stoi[w] for w in TIME_WORDS]
zeroed = []
for seed in SEEDS:
    model = models["RNN", seed]
    with torch.no_grad():
        kept = model.embed.weight[time_words].clone()
        model.embed.weight[time_words] = 0.0  # the time word brings no input
        zeroed.append(accuracy(model(shifted_X), shifted_y))
        model.embed.weight[time_words] = kept
zeroed = spread(zeroed)
print(f"shifted, time words' vectors set to zero: {zeroed:.2f}")

# %% [markdown]
# Second, train three more RNNs (same seeds, a third of the budget: 100 steps) on training sentences that do have a
# time word in front, so that the time words' vectors are trained too; the shifted test set stays held out.

# %% tags=["nbval-ignore-output"]
tw_x, tw_y = which_came_first(2000, time_words=(1, 1), split="train", seed=0)
rnns_with_time = {("RNN", seed): build("RNN", seed) for seed in SEEDS}
with_time = train_in_parallel(rnns_with_time, train_on(encode(tw_x), tw_y, steps=STEPS // 3), progress=False)
trained = spread(with_time["RNN", s].last(shifted) for s in SEEDS)
print(f"shifted, RNN trained with time words: {trained:.2f}")

# %%
claim("with the time words' vectors set to zero, the shifted score rises at every seed, to at least 0.75",
      all(z > s for z, s in zip(zeroed.values, rnn[shifted].values, strict=True)) and zeroed.lo >= 0.75,
      zeroed=zeroed, before=rnn[shifted])
recovered = [(z - s) / (t - s) for z, s, t in zip(zeroed.values, rnn[shifted].values, rnn[same].values, strict=True)]
claim("zeroing recovers more than half of what the time word cost, at every seed", min(recovered) > 0.5,
      recovered=recovered)
claim("trained with a time word in front for 100 steps, the RNN scores at least 0.95 shifted, at every seed",
      trained.lo >= 0.95, trained=trained)

# %% [markdown]
# Both experiments point the same way. The RNN can read a sentence with a time word in front: trained with one, it
# is right on held-out shifted sentences. What costs it accuracy in the table is the untrained vector of a word it
# never saw: removing that vector's input recovers more than half of the loss at every seed. (Not always all of it,
# perhaps because a zero input still moves the hidden state from $h_0 = 0$ to $\tanh(b)$, a starting state that
# training never showed it.) The fixed-position DNN fails for a deeper reason: every weight a shifted sentence meets
# is untrained, not only the time word's (asserted in notebook 01, section 4).

# %% [markdown]
# ## 6. A next-token model on the course corpus
# The same cell can *write*. Trained to predict the next word at every step (many-to-many: every $y_t$ scores the
# next word), an RNN language model learns the grammar of the corpus: which objects go with which verbs, and that
# 그래서 joins two clauses. Every sentence is framed as `<bos> words <eos>`; padding is ignored in the loss.

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
        self.out = nn.Linear(hidden_size, vocab_size)  # y_t = W_hy h_t + b_y

    def forward(self, x, h=None):
        states, h = self.rnn(self.embed(x), h)  # states: (B, T, H)
        return self.out(states), h


def next_word_loss(output, y):
    logits, _ = output
    return nn.functional.cross_entropy(logits.transpose(1, 2), y, ignore_index=vocab.pad_index)


# %% [markdown]
# At the start the model knows nothing: its loss is close to $\ln V$, the cross-entropy of a uniform guess over the
# $V$ words. After 250 steps it is far below.

# %% tags=["nbval-ignore-output"]
seed_everything(0)
lm = NextWordRNN(len(vocab), 64)
lm_history = fit(lm, sample_batches(inputs, targets, 32), steps=250, lr=1e-2, loss_fn=next_word_loss, desc="next word")
start, end = lm_history.loss[0], np.mean(lm_history.loss[-20:])
print(f"loss: {start:.2f} at the start (ln V = {np.log(len(vocab)):.2f}), {end:.2f} averaged over the last 20 steps")

# %%
claim("the first loss is within 0.2 of ln V", abs(start - np.log(len(vocab))) < 0.2, start=start)
claim("the last 20 steps average below 1.5 nats", end < 1.5, end=end)

# %% tags=["subslide"]
ax = plots.curves({"training loss": lm_history.loss}, title="Next-word RNN: cross-entropy while training",
                  xlabel="step", ylabel="cross-entropy (nats)")

# %% [markdown]
# To sample, feed `<bos>`, draw the next word from the softmax, feed it back, and stop at `<eos>`.
# The generator is seeded, so the samples are the same on every run on one machine.

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


# %% tags=["nbval-ignore-output"]
for seed in range(4):
    print(sample(lm, seed=seed))
print(sample(lm, start=["나는", "밥을"], seed=0))

# %% [markdown]
# How good are the samples? Two different questions. A sample can be a sentence of the corpus: then the model
# *reproduced a training sentence* (the model was trained on the whole corpus). Or it can follow the grammar's rules
# without being in the corpus: a *new grammatical sentence*. The rules (those `course_lib.data` builds its
# sentences from): one clause, an object and its own verb, optionally opened by a subject or by 그래서; or two such
# clauses joined by 그래서, a subject allowed only before the first.

# %%
VERB_OF = {obj: verb for objects, verb, _ in ACTIVITIES.values() for obj in objects}


def is_clause(words):  # an object, then that object's verb
    return len(words) == 2 and VERB_OF.get(words[0]) == words[1]


def grammatical(words):
    if words[:1] == ["그래서"]:  # "그래서 공부를 했다"
        return is_clause(words[1:])
    if words[:1] and words[0] in SUBJECTS:
        words = words[1:]
    two = len(words) == 5 and words[2] == "그래서" and is_clause(words[:2]) and is_clause(words[3:])
    return two or is_clause(words)


claim("every sentence of the corpus is grammatical by these rules", all(grammatical(list(s)) for s in sentences))

# %% [markdown]
# Now 200 samples, each sorted into one of the three kinds:

# %% tags=["nbval-ignore-output"]
known = {" ".join(s) for s in sentences}
samples = [sample(lm, seed=1000 + i) for i in range(200)]
reproduced = sum(s in known for s in samples)
new = [s for s in samples if s not in known and grammatical(s.split())]
print(f"of 200 samples: {reproduced} reproduce a training sentence, {len(new)} are new grammatical sentences, "
      f"{200 - reproduced - len(new)} break the rules; {len(set(samples))} distinct")
print("the new ones:", sorted(set(new)))

# %%
claim("at least 180 of 200 samples reproduce a training sentence", reproduced >= 180, reproduced=reproduced)
claim("at most 10 of 200 are new grammatical sentences", len(new) <= 10, new=len(new))
claim("at most 10 of 200 break the rules", 200 - reproduced - len(new) <= 10, broken=200 - reproduced - len(new))

# %% [markdown]
# So the model mostly *memorised* its small corpus: nearly every sample
# is a training sentence, and the few new ones (printed above) join clauses that the corpus holds. Whether it would
# also write held-out sentences of a larger grammar is a question of generalisation, which these counts do not
# answer.

# %% [markdown]
# ## 7. The hidden state (은닉 상태) as memory
# Each $h_t$ summarises what the RNN has read. Below, the first four units of the language model's hidden state as
# it reads the lecture's sentences: the state jumps with each word, and differs after "그래서" depending on what
# came before.

# %%
pair = ["나는 밥을 먹었다 그래서 공부를 했다".split(), "나는 공부를 했다 그래서 밥을 먹었다".split()]
with torch.no_grad():
    states = [lm.rnn(lm.embed(torch.tensor([vocab.encode(words)])))[0][0] for words in pair]  # each (T, H)

# %% tags=["subslide"]
fig, axes = plots.plt.subplots(1, 2, figsize=(11, 3.6), sharey=True, layout="constrained")
for ax, words, h_seq in zip(axes, pair, states, strict=True):
    ax.plot(h_seq[:, :4].numpy(), marker="o", label=[f"unit {k}" for k in range(1, 5)])
    for level in (-1, 1):  # tanh's flat ends, where a unit saturates
        ax.axhline(level, color="gray", linestyle=":", linewidth=1)
    ax.set_xticks(range(len(words)), words)
    ax.set(title=r"hidden state $h_t$ (units 1-4)", xlabel="word read", ylim=(-1.15, 1.15))
axes[0].set_ylabel("activation")
legend = axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1))

# %% [markdown]
# Many points sit at $\pm 1$: those units are **saturated**, at the flat ends of $\tanh$. There its slope
# $1 - h^2$ is nearly 0, so a small change of the unit's input hardly changes $h$, and the gradient that flows back
# through that unit, multiplied by $1 - h^2$ at every step (section 4), almost vanishes. How many of all 64 units'
# values, over both sentences, are saturated ($|h| > 0.99$)?

# %% tags=["nbval-ignore-output"]
saturated = [float((h_seq.abs() > 0.99).float().mean()) for h_seq in states]
print("fraction of hidden values with |h| > 0.99, per sentence:", [round(f, 2) for f in saturated])

# %%
claim("in both sentences, between a quarter and two thirds of the hidden values are saturated (|h| > 0.99)",
      all(0.25 <= f <= 2 / 3 for f in saturated), saturated=saturated)

# %% [markdown]
# A saturated unit holds its value firmly against small changes of its input; by the same token, little gradient
# passes through it.

# %% [markdown]
# ## Summary
# - The RNN (순환 신경망) applies one cell at every step: $h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b)$, the same
#   weights everywhere, the hidden state (은닉 상태) $h_t$ carrying memory forward; an output $y_t = W_{hy} h_t + b_y$
#   is read from it.
# - A NumPy loop, a torch-primitives loop and `course_lib.rnn.RNN` give the same numbers as `torch.nn.RNN`
#   (within $10^{-12}$ in float64).
# - Backpropagation through time (시간에 따른 역전파) sums each weight's gradient over steps and passes
#   $\partial L/\partial h_t$ back through $\operatorname{diag}(1-h^2) W_{hh}$ at every step; our NumPy BPTT matched
#   finite differences (relative error below $10^{-6}$) and autograd (below $10^{-12}$).
# - On 무엇을 먼저 했나?, on held-out sentences over 3 seeds with the same budget: the RNN is right in place (at least
#   0.95, like the fixed-position DNN; the bag of words stays below 0.25), and with a time word in front it scores
#   between 0.45 and 0.70, above both DNNs at every seed. What it loses there comes from the time word, which it never
#   saw in training: zeroing that word's untrained vector recovers more than half of the loss, and an RNN trained with
#   time words (for a third of the steps) scores at least 0.95.
# - A next-word RNN learnt to write the course grammar: of 200 samples, at least 180 reproduce training sentences
#   and at most 10 are new grammatical ones.
#
# That product of $W_{hh}$'s, one per step, will matter: notebook 05 shows what it does over long distances.

# %% [markdown]
# ## Exercises
# A warm-up and one step backward, then the main exercise: the whole of BPTT for the classifier of section 5.
# Each answer cell has a check cell below it that runs your function on stored cases and tells you what, if
# anything, is wrong. The grade comes from a separate run that executes only the answer cells (all of them, in
# order) on fresh random inputs, with `math`, `np`, `torch`, `nn` and `F` already imported: nothing else from this
# notebook exists there. So an answer cell must stand on its own: what the function needs comes in as arguments
# or from an earlier answer cell. It may import only math, numpy and torch (and itertools, functools, collections,
# typing); never `course_lib`; and it may not use `getattr`, `exec`, `eval`, `open`, `globals` or private `._x`
# attributes.
#
# **Warm-up (2 points).** Write one RNN step in NumPy: `rnn_step(x, prev_h, W_xh, W_hh, b)` with
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
# **Exercise 1 (3 points).** Backpropagate through that step: `rnn_step_backward(dnext_h, x, prev_h, W_xh, W_hh, next_h)`
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
# **Main exercise (5 points): BPTT for a classifier, built from the step.** The classifier of section 5 reads only
# its last hidden state, $y = W_{hy} h_T + b_y$, and is trained on the mean cross-entropy over the batch; `fit`
# left its gradients to autograd. Compute them yourself (without the embedding: the inputs $x_t$ are given).
#
# Write `rnn_classifier_backward(xs, h0, W_xh, W_hh, b, W_hy, b_y, labels)` with `xs (B, T, I)`, `h0 (B, H)`,
# `W_xh (H, I)`, `W_hh (H, H)`, `b (H,)`, `W_hy (C, H)`, `b_y (C,)` and integer `labels (B,)`. Run the RNN from
# `h0` over the T steps, score the classes from $h_T$, and return the gradients of
# $L = \frac{1}{B}\sum_b \text{cross-entropy}(y_b, \text{label}_b)$ as `(dW_xh, dW_hh, db, dW_hy, db_y, dh0)`, each
# the shape of what it differentiates. It shows, in your own code, how the loss at the last step reaches the
# first word: back through every step in between, each time through $\operatorname{diag}(1-h_t^2)\,W_{hh}$.
#
# You may use a fact about the softmax, not about the RNN:
# $\partial L/\partial\,\text{logits} = (\operatorname{softmax}(\text{logits}) - \text{one\_hot}(\text{labels}))/B$.
# You may call your `rnn_step` and `rnn_step_backward` from the cells above; autograd (`backward`,
# `torch.autograd`) does the exercise for you, and the check refuses it.

# %% [markdown]
# *Hint:* unlike section 4's loss, this one reads only $h_T$. Where does $\partial L/\partial h_t$ come from at the
# earlier steps? And the backward of step $t$ needs two states of the forward pass: keep them all.

# %% nbgrader={"grade": false, "grade_id": "rnn_classifier_backward_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rnn_classifier_backward(xs, h0, W_xh, W_hh, b, W_hy, b_y, labels):
    """(dW_xh (H, I), dW_hh (H, H), db (H,), dW_hy (C, H), db_y (C,), dh0 (B, H)) of the mean cross-entropy."""
    ### BEGIN SOLUTION
    B, T, _ = xs.shape
    hs = [h0]  # hs[t] is the state before step t; hs[T] is h_T
    for t in range(T):
        hs.append(rnn_step(xs[:, t], hs[-1], W_xh, W_hh, b))
    logits = hs[-1] @ W_hy.T + b_y  # (B, C)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = p / p.sum(axis=1, keepdims=True)
    dlogits = (p - np.eye(W_hy.shape[0])[labels]) / B
    dW_hy, db_y = dlogits.T @ hs[-1], dlogits.sum(axis=0)
    dh = dlogits @ W_hy  # ∂L/∂h_T; the earlier states get their gradient only from the next step
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b)
    for t in reversed(range(T)):
        _, dh, dW_xh_t, dW_hh_t, db_t = rnn_step_backward(dh, xs[:, t], hs[t], W_xh, W_hh, hs[t + 1])
        dW_xh, dW_hh, db = dW_xh + dW_xh_t, dW_hh + dW_hh_t, db + db_t  # shared weights: gradients add up
    return dW_xh, dW_hh, db, dW_hy, db_y, dh
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "rnn_classifier_backward_check", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_rnn_classifier_backward

check_rnn_classifier_backward(rnn_classifier_backward)

# %% [markdown]
# **Next:** [03 · 양방향 RNN (bidirectional RNN)](03_bidirectional_rnn.ipynb) — when the answer depends on
# what comes *later* in the sentence.
