# %% [markdown]
# # 06 · LSTM (Long Short Term Memory) — 처리할게 많음
#
# **After this notebook you will be able to**
# - write the LSTM cell in torch.nn's gate order (i, f, g, o) and point at the lecture's four steps in it:
#   1. 입력 게이트 (input gate), 2. 삭제 게이트 (forget gate; the usual Korean term is 망각 게이트),
#   3. 장기 기억 (the cell state, 셀 상태), 4. 출력 게이트 (output gate);
# - build the cell from torch primitives, prove it equal to `torch.nn.LSTM`, and use `course_lib.lstm.LSTM` as its drop-in;
# - measure ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ over time for the LSTM (and ‖∂L/∂h_t‖ for the tanh RNN), and say honestly what
#   the gates do at initialisation, what a forget-gate bias of 1 changes, and what training changes;
# - solve the adding problem at a length where the tanh RNN fails, at every seed tried;
# - read a trained LSTM's gates on one sequence: where the input gate opens, where the forget gate keeps the cell,
#   and how the cell state carries a value to the end.
#
# Notebook 05 measured the weakness the lecture calls 기울기 소실 문제 (the vanishing gradient): in a tanh RNN the
# gradient shrinks at every step back in time, so an input that lies far back is hard to learn from. The lecture's
# way out, **RNN 개선 방법**, starts from a wish: *단어들을 오랫동안 기억하면 좋을텐데* — it would be good to remember
# words for a long time. Trick #3, **gated cells (게이트 셀)**, is how: sigmoid layers and pointwise multiplications
# that selectively **add** information to a memory or **remove** it. The first gated cell is the **LSTM (Long Short
# Term Memory)**, which the lecture labels **처리할게 많음**: there is a lot to process.

# %%
import copy

import torch
from torch import nn

from course_lib import plots
from course_lib.evidence import claim, seed_table, spread, verdict
from course_lib.gradients import hidden_state_grad_norms
from course_lib.long_range import AddingRegressor, adding_test_set, baselines, train_adding
from course_lib.lstm import LSTM, LSTMCell, set_forget_bias_, state_grad_norms
from course_lib.parallel import train_in_parallel
from course_lib.rnn import RNNCell
from course_lib.tasks import adding_problem
from course_lib.training import seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)

# %% [markdown]
# ## 1. 처리할게 많음: the four steps
# An LSTM carries **two** states from step to step: the output $h_t$, as in the RNN, and a second, protected memory,
# the **cell state** $c_t$ (셀 상태; the lecture's 장기 기억, long-term memory). Four small layers read the new input
# $x_t$ and the last output $h_{t-1}$; three of them are sigmoid **gates** (values between 0 = closed and 1 = open)
# and one proposes new content. The lecture lists the steps:
#
# | step | the lecture | what it does | equation |
# |---|---|---|---|
# | 1 | Weight 계산 (입력 게이트) | input gate: how much of the new candidate $g_t$ to write | $i_t = \sigma(W_{ii}x_t + b_{ii} + W_{hi}h_{t-1} + b_{hi})$, $\; g_t = \tanh(W_{ig}x_t + b_{ig} + W_{hg}h_{t-1} + b_{hg})$ |
# | 2 | 불필요하면 지움 (삭제 게이트, 망각 게이트) | forget gate: how much of the old memory to keep (0 erases it) | $f_t = \sigma(W_{if}x_t + b_{if} + W_{hf}h_{t-1} + b_{hf})$ |
# | 3 | 장기 기억 수치 (텍스트 중요도) | cell state (셀 상태), the long-term memory: keep $f_t$ of the old, add $i_t$ of the new | $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ |
# | 4 | 입력 게이트 → 출력 게이트 | output gate: how much of the memory to show as $h_t$ | $o_t = \sigma(W_{io}x_t + b_{io} + W_{ho}h_{t-1} + b_{ho})$, $\; h_t = o_t \odot \tanh(c_t)$ |
#
# ($\odot$ is the pointwise product, the lecture's "pointwise multiplication".) Step 3 is the heart of it: the new memory
# is the old one **plus** something, not a squashed mix of everything as in the RNN's $h_t = \tanh(W_{xh}x_t + W_{hh}h_{t-1} + b)$.

# %% [markdown]
# ## 2. The cell from torch primitives, checked against `torch.nn.LSTM`
# torch stacks the four gates' weights into one matrix each, **in the order i, f, g, o**:
# `weight_ih` is $(4H, I)$ with rows $[W_{ii}; W_{if}; W_{ig}; W_{io}]$, `weight_hh` is $(4H, H)$, and there are two
# biases `bias_ih`, `bias_hh` of size $4H$. One matmul then gives all four pre-activations, which `chunk` splits:

# %%
def lstm_cell(x_t, h, c, W_ih, W_hh, b_ih, b_hh):
    """One LSTM step: x_t (B, I), h and c (B, H), W_ih (4H, I), W_hh (4H, H), biases (4H,) -> (h, c)."""
    i, f, g, o = (x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)  # torch's order
    i = torch.sigmoid(i)  # 1. 입력 게이트 (input gate)
    f = torch.sigmoid(f)  # 2. 삭제 게이트 (forget gate)
    g = torch.tanh(g)  # candidate content, in -1..1
    c = f * c + i * g  # 3. 장기 기억 (cell state)
    o = torch.sigmoid(o)  # 4. 출력 게이트 (output gate)
    h = o * torch.tanh(c)
    return h, c


# %% [markdown]
# We copy the weights of an `nn.LSTM`, run both over the same random batch in float64, and compare every output
# and the final cell state:

# %%
torch.manual_seed(0)
reference = nn.LSTM(input_size=5, hidden_size=3, batch_first=True).double()
p = dict(reference.named_parameters())
x = torch.randn(2, 6, 5, dtype=torch.float64)  # (B, T, I)

h = c = torch.zeros(2, 3, dtype=torch.float64)
outputs = []
for x_t in x.unbind(1):
    h, c = lstm_cell(x_t, h, c, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"])
    outputs.append(h)
theirs, (h_n, c_n) = reference(x)
verdict("outputs h_t, lstm_cell against nn.LSTM", torch.stack(outputs, 1), theirs, atol=1e-12)
verdict("final cell state c_T, lstm_cell against nn.LSTM", c, c_n[0], atol=1e-12)

# %% [markdown]
# `course_lib.lstm.LSTM` is this cell grown into a drop-in for `nn.LSTM`: the same constructor, parameter names,
# gate order and returns `(output, (h_n, c_n))`, so `load_state_dict` moves weights both ways. It runs these
# equations with the backward written by hand (its fast path, `course_lib/lstm_bptt.py`); tests prove it equal to
# the step and to torch, in float64 and float32. One check here, two layers:

# %%
torch.manual_seed(1)
theirs_layer = nn.LSTM(5, 3, num_layers=2, batch_first=True).double()
ours_layer = LSTM(5, 3, num_layers=2, batch_first=True).double()
ours_layer.load_state_dict(theirs_layer.state_dict())
out_ours, (h_ours, c_ours) = ours_layer(x)
out_theirs, (h_theirs, c_theirs) = theirs_layer(x)
out_ours.sum().backward()
out_theirs.sum().backward()
for name, ours, theirs in [("outputs", out_ours, out_theirs), ("h_n", h_ours, h_theirs), ("c_n", c_ours, c_theirs)]:
    verdict(f"{name}, course_lib LSTM against nn.LSTM", ours, theirs, atol=1e-12)
for (name, a), b in zip(ours_layer.named_parameters(), theirs_layer.parameters(), strict=True):
    verdict(f"gradient of {name}", a.grad, b.grad, atol=1e-12)
print("parameters:", sum(q.numel() for q in ours_layer.parameters()),
      "= 4 gates × (H·I + H·H + 2H) in layer 1, and the same with input D·H in layer 2")

# %% [markdown]
# ## 3. Does the cell state keep the gradient alive? At initialisation: not by itself
# Along the cell state alone, step 3 gives $\partial c_t / \partial c_{t-1} = \operatorname{diag}(f_t)$: no weight matrix
# and no $\tanh'$ on that path, only the forget gate. That is the **additive path** the LSTM is famous for, and it lives
# in $c_t$. But it keeps the gradient only if $f_t$ is near 1, and a fresh LSTM's biases are small, so
# $f_t \approx \sigma(0) = 0.5$.
#
# We measure instead of assuming. $L$ is a loss on the last output $h_T$, over 100 steps of adding-problem input, and
# for every $t$ we take two norms of the LSTM's gradient (`course_lib.lstm.state_grad_norms`):
# ‖∂L/∂c_t‖, every path from the cell state $c_t$ to $L$ (along the cell states, and out through $h_t$), and
# ‖∂L/∂h_t‖, every path from the output $h_t$ (all of them enter the next step's gates through $W_{hh}$). For the
# tanh RNN, whose only state is $h_t$, ‖∂L/∂h_t‖. Everything is in float64, so even the smallest norms are computed
# accurately.
# Three cells of hidden size 32, the size trained below: a tanh RNN, an LSTM with torch's default initialisation, and
# the **same** LSTM with its forget-gate bias set to 1 (`set_forget_bias_`, so $f_t$ starts near $\sigma(1) = 0.73$).

# %%
HIDDEN = 32
x_long = adding_problem(32, 100, seed=3)[0].double()  # (B, T=100, 2): (value, marker) at each step
torch.manual_seed(0)
lstm_default = LSTMCell(2, HIDDEN).double()
lstm_cells = {"LSTM, default init": lstm_default,
              "LSTM, forget bias 1": set_forget_bias_(copy.deepcopy(lstm_default), 1.0)}
tanh_norms = hidden_state_grad_norms(RNNCell(2, HIDDEN).double(), x_long)  # ‖∂L/∂h_t‖, t = 1..100
lstm_norms = {name: state_grad_norms(cell, x_long) for name, cell in lstm_cells.items()}  # (‖∂L/∂h_t‖, ‖∂L/∂c_t‖)

# %% [markdown]
# We summarise each curve by its factor per step, the geometric mean over the 99 steps from $t = 100$ back to $t = 1$,
# and each LSTM by its forget gate averaged over the steps, units and sequences:

# %%
def per_step_factor(norms, first=1, last=100):
    """The average factor by which a gradient norm shrinks per step back from t = last to t = first."""
    return (norms[first - 1] / norms[last - 1]).item() ** (1 / (last - first))


def mean_forget_gate(cell, x):
    """The forget gate f_t of an LSTM cell averaged over every step, unit and sequence of x (B, T, I)."""
    state, total = None, 0.0
    with torch.no_grad():
        for x_t in x.unbind(1):
            state, gates = cell(x_t, state, return_gates=True)
            total += gates.f.mean().item()
    return total / x.shape[1]


# %% tags=["subslide"]
factor = {"tanh RNN, h": per_step_factor(tanh_norms)}
print(f"{'tanh RNN':<20} ‖∂L/∂h_t‖ per step {factor['tanh RNN, h']:.2f}")
for name, (h_norms, c_norms) in lstm_norms.items():
    factor[name, "h"], factor[name, "c"] = per_step_factor(h_norms), per_step_factor(c_norms)
    print(f"{name:<20} ‖∂L/∂h_t‖ per step {factor[name, 'h']:.2f}, ‖∂L/∂c_t‖ per step {factor[name, 'c']:.2f}, "
          f"mean forget gate {mean_forget_gate(lstm_cells[name], x_long):.2f}")
default, bias1 = lstm_norms["LSTM, default init"], lstm_norms["LSTM, forget bias 1"]
claim("at default init the LSTM's norms shrink per step within 0.1 of the tanh RNN's",
      all(abs(factor["LSTM, default init", s] - factor["tanh RNN, h"]) < 0.1 for s in "hc"), factor=factor)
claim("at init ‖∂L/∂c_t‖ shrinks per step about as fast as ‖∂L/∂h_t‖ (within 0.03), for both LSTMs",
      all(abs(factor[n, "h"] - factor[n, "c"]) < 0.03 for n in lstm_norms), factor=factor)
gain = [(bias1[j][0] / default[j][0]).item() for j in (0, 1)]  # at t = 1: ‖∂L/∂h_1‖, ‖∂L/∂c_1‖
claim("with the forget bias of 1, both norms at t = 1 are more than 1e10 times what they are at default init",
      min(gain) > 1e10, gain=gain)

# %% tags=["subslide"]
fig, axes = plots.plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
plots.curves({"tanh RNN": tanh_norms.log10()} | {n: h.log10() for n, (h, _) in lstm_norms.items()},
             x=range(1, 101), ax=axes[0], title=r"$\|\partial L/\partial h_t\|$ at initialisation",
             xlabel="time step t (L is computed at t = 100)", ylabel=r"$\log_{10}$ of the norm")
plots.curves({n: c.log10() for n, (_, c) in lstm_norms.items()}, x=range(1, 101), ax=axes[1],
             title=r"$\|\partial L/\partial c_t\|$ (셀 상태) at initialisation", xlabel="time step t")
fig.tight_layout()

# %% [markdown]
# **What the numbers say.** At torch's default initialisation the LSTM's gradient vanishes about as fast as the tanh
# RNN's (per-step factors within 0.1 of each other, asserted above), and the cell state does not escape it:
# ‖∂L/∂c_t‖ shrinks at about the same rate as ‖∂L/∂h_t‖ (within 0.03 per step). With the forget gate near one half
# (its mean is printed), the "additive path" multiplies the gradient by about 0.5 per step, and the gated cell is no
# better off than the plain one. The gates are not magic.
# Setting the forget-gate bias to 1, a standard trick, makes both norms leak much less per step, which over a hundred
# steps is many orders of magnitude (more than ten at $t = 1$, asserted). Still not 1 per step: what really
# opens the path is **training**, when the task rewards remembering (sections 5 and 6).

# %% [markdown]
# ## 4. The long-range task: the adding problem
# Each sequence carries a value in $[0, 1)$ and a marker at every step; exactly one step in each half is marked, and
# the target is the sum of the two marked values, read from the last state. At length 40 the first marked value lies
# up to 40 steps before the answer is read: the lecture's "어떤 입력의 정보가 사용되는 시점이 차이가 많이 날 경우".
# A model that learns nothing long-range predicts the mean, 1. A model that uses the second (near) marker but not the
# first (far) one can do better, but at best it guesses the far value as the mean of the first half's values
# (notebook 05, `long_range.baselines`). On the fixed test set of 1000 sequences:

# %%
LENGTH = 40
test_x, test_y = adding_test_set(LENGTH)
floors = baselines(LENGTH)
baseline, near_only = floors["always 1.0"], floors["near marker only"]
print(f"test MSE of always predicting 1: {baseline:.3f} (1/6 in expectation); "
      f"the best without the far marker: {near_only:.3f}")

# %% [markdown]
# Both models are the shared `course_lib.long_range.AddingRegressor` (hidden size 32, a linear read-out of $h_T$) and
# both are the course's own layers, `course_lib.rnn.RNN` and `course_lib.lstm.LSTM`. The recipe is the same for both:
# `train_adding` runs 500 Adam steps, learning rate 2e-2, gradients clipped to norm 1, each on a fresh batch of 64
# sequences, and measures the test MSE every 50 steps. The LSTM starts with the forget-gate bias of 1 of section 3,
# the usual way to start one. Each model is trained with 3 seeds; a seed sets both the initial weights and the stream
# of batches.
#
# The course LSTM runs the four steps above over the whole sequence and writes its backward through time by hand, the
# LSTM's derivatives step by step in reverse, instead of letting autograd record about ten small operations per step;
# that is what torch's fused oneDNN kernel does too, and it brings the course LSTM's time per step close to
# `nn.LSTM`'s (notebook 07 times both). The six trainings share nothing, so `train_in_parallel` runs them at the same
# time, one process each, with the results they would have one after the other.

# %%
SEEDS, STEPS, LR = (0, 1, 2), 500, 2e-2
models = {}
for name, kind in [("tanh RNN", "tanh"), ("LSTM", "lstm")]:
    for seed in SEEDS:
        seed_everything(seed)  # the initial weights
        models[name, seed] = AddingRegressor(kind, HIDDEN, forget_bias=1.0 if kind == "lstm" else None)


def train(key, model):
    """Train one model of ``models`` (``train_in_parallel`` calls this once per key); the seed sets the batches."""
    return train_adding(model, LENGTH, steps=STEPS, lr=LR, seed=key[1], name=f"{key[0]}, seed {key[1]}",
                        progress=False)


runs = train_in_parallel(models, train, progress=False)

# %% [markdown]
# The test MSE after the 500 steps and the lowest it reached at any evaluation, mean over the 3 seeds (lowest-highest
# in brackets):

# %% tags=["nbval-ignore-output"]
table = {name: {"final test MSE": spread(runs[name, s].test_mse for s in SEEDS),
                "lowest test MSE": spread(min(runs[name, s].history.metrics["test MSE"]) for s in SEEDS)}
         for name in ("tanh RNN", "LSTM")}
seed_table(table, spec=".3f", first=f"model (3 seeds, {STEPS} steps)")
lstm_reached = {s: runs["LSTM", s].steps_to(0.01) for s in SEEDS}
print(f"LSTM: first evaluation below 0.01 at step {lstm_reached} (seed: step)")

# %% tags=["subslide"]
claim(f"the tanh RNN never gets below 0.9 x the baseline ({0.9 * baseline:.3f}), at any evaluation of any seed",
      table["tanh RNN"]["lowest test MSE"].lo > 0.9 * baseline, tanh=table["tanh RNN"]["lowest test MSE"])
claim(f"the LSTM ends below 0.01 at every seed: it carries the far marker ({near_only:.3f} without it)",
      table["LSTM"]["final test MSE"].hi < 0.01 < near_only, lstm=table["LSTM"]["final test MSE"])
curves = {s: list(zip(runs["LSTM", s].history.eval_steps, runs["LSTM", s].history.metrics["test MSE"], strict=True))
          for s in SEEDS}
last_above = {s: max(step for step, mse in curve if mse > 0.1 and step < lstm_reached[s])
              for s, curve in curves.items()}  # the last evaluation above 0.1 before the LSTM got below 0.01
claim("at every seed the LSTM stays above 0.1 for the first 200 steps, then falls below 0.01 within 100 steps",
      all(mse > 0.1 for curve in curves.values() for step, mse in curve if step <= 200)
      and all(lstm_reached[s] - last_above[s] <= 100 for s in SEEDS), reached=lstm_reached, last_above=last_above)

# %% tags=["subslide"]
fig, ax = plots.plt.subplots(figsize=(10, 4), layout="constrained")
ax.set_xticks(range(100, STEPS + 1, 100))  # the evaluations start at step 50: no tick at 0, outside the axes
ax = plots.curves_over_seeds({key: run.history.metrics["test MSE"] for key, run in runs.items()},
                             x={key: run.history.eval_steps for key, run in runs.items()},
                             hline=baseline, hline_label="predict the mean, 1", ax=ax,
                             title=f"덧셈 문제 (adding problem), length {LENGTH}", xlabel="training step",
                             ylabel="test MSE")

# %% [markdown]
# With the same recipe and budget, the tanh RNN stays at the mean-predicting baseline at all three seeds (it never gets
# below 0.9 of it), and the LSTM brings the test MSE below 0.01 at all three, far below what any model without the
# first marked value could reach: it carries that value across the sequence. The LSTM's curve has a shape of its own:
# it stays near the baseline (above 0.1) for at least the first 200 steps, then, once it finds the markers, falls
# below 0.01 within 100 steps (both asserted). When that happens varies from seed to seed (printed above).

# %% [markdown]
# ## 5. Inside the trained LSTM: the four steps on one sequence
# The trained `course_lib.lstm.LSTM`, called with `return_gates=True`, also returns every gate's activation and the
# cell state at every step, here for all 1000 test sequences. Which of the 32 units hold the memory? We rank them by
# how much their input gate opens at the marked steps (against the other steps) times how much their forget gate keeps
# on average, and follow the top two. We read the LSTM of every seed, and plot the first.

# %%
marked = test_x[:, :, 1] == 1  # (B, T)


def read_gates(layer):
    """Gates (i, f, c, o), each (B, T, H), of a trained LSTM layer on the test set, and its two top-ranked units."""
    with torch.no_grad():
        _, _, gates = layer(test_x, return_gates=True)  # each gate (layers=1, B, T, H)
    i, f, c, o = (gate[0] for gate in (gates.i, gates.f, gates.c, gates.o))
    opens_at_marks = i[marked].mean(0) - i[~marked].mean(0)  # (H,)
    return (i, f, c, o), (opens_at_marks * f.mean((0, 1))).argsort(descending=True)[:2].tolist()


# %% tags=["subslide"]
def describe(gates, k):
    """Averages over the test set of unit k: i at the marks and elsewhere, f, o, and corr(c_T, target)."""
    i, f, c, o = gates
    return {"i at marks": i[:, :, k][marked].mean().item(), "i elsewhere": i[:, :, k][~marked].mean().item(),
            "f": f[:, :, k].mean().item(), "o": o[:, :, k].mean().item(),
            "corr": torch.corrcoef(torch.stack([c[:, -1, k], test_y]))[0, 1].item()}


readings = {s: read_gates(models["LSTM", s].rnn) for s in SEEDS}

# %% tags=["nbval-ignore-output"]
for s, (gates, top) in readings.items():
    for k in top:
        d = describe(gates, k)
        print(f"seed {s}, unit {k:>2}: input gate {d['i at marks']:.2f} at the marked steps, {d['i elsewhere']:.2f} "
              f"elsewhere | forget gate {d['f']:.3f} | output gate {d['o']:.2f} | corr(c_T, target) {d['corr']:+.2f}")

# %% [markdown]
# How much of its memory does a unit keep? Along the cell state, what $c$ holds at step $t$ reaches step $T$
# multiplied by $f_{t+1} \odot \cdots \odot f_T$ (warm-up 3 computes this gain). We average that product over the
# steps after each test sequence's first marked step, for the top two units of every seed:

# %%
first_mark = marked.float().argmax(1)  # (B,): index of the first marked step
after_first = torch.arange(LENGTH)[None, :] > first_mark[:, None]  # (B, T)


def kept_after_first_mark(f, k):
    """Per test sequence, the product of unit k's forget gates after the first marked step: (B,)."""
    return torch.where(after_first, f[:, :, k], torch.ones(())).prod(1)


memory = {s: describe(gates, top[0]) | {"kept": kept_after_first_mark(gates[1], top[0])}
          for s, (gates, top) in readings.items()}
second = {s: describe(gates, top[1]) | {"kept": kept_after_first_mark(gates[1], top[1])}
          for s, (gates, top) in readings.items()}

# %% tags=["subslide"]
claim("at every seed the top unit is a memory unit: input gate above 0.5 at the marks and below 0.05 elsewhere, "
      "forget gate above 0.99, output gate above 0.9, |correlation of c_T with the target| above 0.99",
      all(m["i at marks"] > 0.5 and m["i elsewhere"] < 0.05 and m["f"] > 0.99 and m["o"] > 0.9 and abs(m["corr"]) > 0.99
          for m in memory.values()), memory={s: {k: v for k, v in m.items() if k != "kept"} for s, m in memory.items()})
claim("it keeps more than 80% of its cell state from the first marked step to the end, on average, at every seed",
      all(m["kept"].mean() > 0.8 for m in memory.values()), kept=[m["kept"].mean().item() for m in memory.values()])
claim("the second unit's input gate also opens at the marks (to more than twice its value elsewhere), but its forget "
      "gate stays below 0.7, and it keeps less than 0.1% of its cell state, on every test sequence, at every seed",
      all(u["i at marks"] > 2 * u["i elsewhere"] and u["f"] < 0.7 and u["kept"].max() < 1e-3 for u in second.values()),
      second={s: {k: v for k, v in u.items() if k != "kept"} for s, u in second.items()})

# %% [markdown]
# An example sequence whose two marked values are both large enough to see (at least 0.4), from seed 0's LSTM; the
# red lines mark the two marked steps in every panel:

# %%
gates, units = readings[0]
s = next(b for b in range(len(test_y)) if (test_x[b, :, 0][marked[b]] >= 0.4).all())
marks = (marked[s].nonzero().flatten() + 1).tolist()  # the marked steps, counted from 1
time_axis = range(1, LENGTH + 1)
panels = ["1. 입력 게이트 i (input gate)", "2. 삭제 게이트 f (망각 게이트, forget gate)",
          "3. 장기 기억 c (셀 상태, cell state)", "4. 출력 게이트 o (output gate)"]


# %% tags=["subslide"]
def gate_panels():
    """The input of sequence s, then the four steps of the two units, one panel each; the legend in the sixth."""
    fig, axes = plots.plt.subplots(3, 2, figsize=(12, 5.6), sharex=True, layout="constrained")
    axes = axes.flatten()
    axes[0].bar(time_axis, test_x[s, :, 0], color="lightgray", label="value")
    axes[0].bar(time_axis, test_x[s, :, 0] * test_x[s, :, 1], color="tab:red", label="marked value")
    axes[0].set(title=f"입력 (input), test sequence {s}: target = {test_y[s]:.2f}", ylabel="value")
    for ax, title, gate in zip(axes[1:5], panels, gates, strict=True):
        for k in units:
            ax.plot(time_axis, gate[s, :, k], marker=".", label=f"unit {k}")
        ax.set(title=title)
    for ax in axes[:5]:
        for t in marks:
            ax.axvline(t, color="tab:red", alpha=0.3, label="marked step" if t == marks[0] else None)
        low, high = ax.get_ylim()  # keep the ticks inside the panel: the ones beyond it would meet the next panel's
        ax.set_yticks([v for v in ax.get_yticks() if low <= v <= high])
    axes[0].set_xticks(range(0, LENGTH + 1, 5))  # shared by every panel, all inside it
    for ax in axes[3:5]:
        ax.set(xlabel="time step t")
        ax.xaxis.set_tick_params(labelbottom=True)
    handles = dict(zip(*reversed(axes[0].get_legend_handles_labels()))) | dict(
        zip(*reversed(axes[1].get_legend_handles_labels())))
    axes[5].remove()
    fig.legend(handles.values(), handles.keys(), loc="center", bbox_to_anchor=(0.75, 0.17))
    return fig


# %% tags=["subslide"]
fig = gate_panels()

# %% [markdown]
# **Reading the figure** (one sequence; the asserted numbers are averages over all 1000 test sequences, at every seed).
# The two units the ranking picks behave differently, and the difference is the 삭제 게이트 (망각 게이트, forget gate).
#
# **The first unit is a memory unit**, and it runs the lecture's four steps one by one:
# 1. **입력 게이트**: the input gate is almost shut (below 0.05 on average), except at the two marked steps, where it
#    opens (above 0.5): the unit writes when something matters and (nearly) nothing otherwise.
# 2. **삭제 게이트**: the forget gate climbs to about 1 within a few steps and stays there (above 0.99 on average).
# 3. **장기 기억**: so the cell state jumps at the markers and changes slowly in between: from the first marked step to
#    the end it keeps more than 80% of what it held (the product of its forget gates, on average), and the small
#    writes of the nearly shut input gate move it a little. At the end it holds the answer: over the test set its final
#    value correlates with the target at more than 0.99 in size (the sign is arbitrary: the read-out's weight can be
#    negative).
# 4. **출력 게이트**: the output gate is open (above 0.9), so $h_T$ shows the memory to the linear read-out.
#
# **The second unit is not.** Its input gate also opens at the markers, but its forget gate stays far below 1 (below
# 0.7 on average), so what it writes is erased a few steps later: of what it held at the first marked step, less than
# 0.1% is left at the end, on every test sequence. Whatever it holds at the end comes from the last few steps, not from
# the first marked value. Same equations, another forget gate: the 삭제 게이트 decides what becomes long-term memory.

# %% [markdown]
# ## 6. After training, the gradient reaches far back
# The trained LSTMs' cells in float64, measured exactly as in section 3 on the same 100-step inputs (longer than the
# 40 steps they were trained on):

# %%
def as_cell(layer):
    """The trained one-layer LSTM as an LSTMCell in float64, to run step by step."""
    cell = LSTMCell(2, HIDDEN).double()
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in layer.state_dict().items()})
    return cell


trained_cells = {s: as_cell(models["LSTM", s].rnn) for s in SEEDS}
trained_norms = {s: state_grad_norms(cell, x_long) for s, cell in trained_cells.items()}
trained_forget = {s: mean_forget_gate(cell, x_long) for s, cell in trained_cells.items()}
units_keeping = {s: int((readings[s][0][1].mean((0, 1)) > 0.9).sum()) for s in SEEDS}

# %% tags=["nbval-ignore-output"]
for s, (h_norms, c_norms) in trained_norms.items():
    print(f"seed {s}: ‖∂L/∂h_1‖ / ‖∂L/∂h_100‖ = {(h_norms[0] / h_norms[-1]).item():.0e}; per step from t = 100 to 90: "
          f"h {per_step_factor(h_norms, 90):.2f}, c {per_step_factor(c_norms, 90):.2f}; from t = 90 to 1: "
          f"h {per_step_factor(h_norms, 1, 90):.3f}, c {per_step_factor(c_norms, 1, 90):.3f} | mean forget gate "
          f"{trained_forget[s]:.2f} | units whose forget gate averages above 0.9: {units_keeping[s]} of {HIDDEN}")

# %% tags=["subslide"]
start_forget = mean_forget_gate(lstm_cells["LSTM, forget bias 1"], x_long)
claim("at every seed ‖∂L/∂h_1‖ / ‖∂L/∂h_100‖ is above 1e-3 (at initialisation, with the forget bias of 1: below 1e-7)",
      all((h[0] / h[-1]).item() > 1e-3 for h, _ in trained_norms.values())
      and (bias1[0][0] / bias1[0][-1]).item() < 1e-7)
claim("in the last ten steps ‖∂L/∂h_t‖ falls more than 50-fold at every seed",
      all((h[-1] / h[89]).item() > 50 for h, _ in trained_norms.values()))
claim("from t = 90 back to t = 1 both norms lose less than 1% per step, at every seed",
      all(per_step_factor(n, 1, 90) > 0.99 for pair in trained_norms.values() for n in pair))
claim(f"the mean forget gate is below its starting value ({start_forget:.2f}) at every seed",
      max(trained_forget.values()) < start_forget, trained=trained_forget)
claim("at every seed only 1 to 3 of the 32 units keep their forget gate above 0.9 on average",
      all(1 <= n <= 3 for n in units_keeping.values()), units=units_keeping)

# %% tags=["subslide"]
h_trained, c_trained = trained_norms[0]
fig, axes = plots.plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
plots.curves({"LSTM, forget bias 1, at init": bias1[0].log10(), "trained LSTM (seed 0)": h_trained.log10()},
             x=range(1, 101), ax=axes[0], title=r"$\|\partial L/\partial h_t\|$ before and after training",
             xlabel="time step t (L is computed at t = 100)", ylabel=r"$\log_{10}$ of the norm")
plots.curves({"LSTM, forget bias 1, at init": bias1[1].log10(), "trained LSTM (seed 0)": c_trained.log10()},
             x=range(1, 101), ax=axes[1], title=r"$\|\partial L/\partial c_t\|$ (셀 상태) before and after training",
             xlabel="time step t")
fig.tight_layout()

# %% [markdown]
# After training, the gradient no longer vanishes, and the two norms show where it travels. In the last ten steps
# ‖∂L/∂h_t‖ still falls steeply (more than 50-fold, asserted): most units forget within a few steps. Further back it
# stops falling: from $t = 90$ to $t = 1$, ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ each lose less than 1% per step, and
# ‖∂L/∂h_1‖ / ‖∂L/∂h_{100}‖ is above 1e-3 at every seed, where at initialisation (forget bias 1) it was below 1e-7.
# That far back the gradient reaches $h_t$ through the cell state $c_{t+1}$, which it travels along almost without
# loss.
#
# Yet the forget gate averaged over all units is lower than at the start (asserted). Training did not teach the whole
# layer to remember; it turned one unit, or a few (1 to 3 of 32 at every seed), into memories whose forget gate stays
# near 1, like the first unit of section 5, and along their cell states the gradient loses less than 1% per step.
# That is the additive path at work: the LSTM makes it possible, and training opens it where the task needs it.

# %% [markdown]
# ## Summary
# - The LSTM (처리할게 많음) carries a cell state $c_t$ (셀 상태) beside $h_t$ and runs four steps: 1. the input gate
#   weights the new candidate (입력 게이트), 2. the forget gate erases what is not needed (삭제 게이트, 망각 게이트),
#   3. the cell state keeps the long-term memory, $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ (장기 기억),
#   4. the output gate shows part of it, $h_t = o_t \odot \tanh(c_t)$ (출력 게이트). torch packs the gates as i, f, g, o.
# - A few lines of torch equal `nn.LSTM` (float64, within 1e-12), and `course_lib.lstm.LSTM` is its drop-in, with
#   `return_gates=True` to look inside.
# - The cell state is an additive path whose gain per step is the forget gate. Measured honestly: at torch's default
#   initialisation $f \approx 0.5$, and both ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ vanish about as fast as the tanh RNN's gradient;
#   a forget-gate bias of 1 slows the decay a lot; after training, the gradient reaches all the way back, along the
#   cell states of the few units whose forget gate learnt to stay near 1.
# - On the adding problem at length 40, with the same recipe and 500 steps at each of 3 seeds, the tanh RNN stays at
#   the mean-predicting baseline while the LSTM brings the test MSE below 0.01; inside, a memory unit opens its input
#   gate at the markers and keeps its cell state in between.
# %% [markdown]
# ## Exercises
# Three warm-ups drill the equations above; the main exercise asks for what this notebook never shows, the LSTM
# step's backward. Each answer cell has a check cell below it that runs your function on stored random inputs, in
# float64, and tells you what, if anything, is wrong; a failure names the seed of its case, and
# `check_...(your_function, seed=...)` replays it.
#
# **How answers are graded.** The grade is computed apart from this notebook: your answer cells alone, in order, in
# a fresh Python where only `math`, `np` (NumPy), `torch`, `nn` and `F` (`torch.nn.functional`) are imported, on
# fresh random inputs. So a function must get everything it needs from its arguments or from an earlier answer cell
# (a warm-up's function may be reused). An answer may import only math, numpy and torch (and itertools, functools,
# collections, typing), never `course_lib`, and may not use `getattr`, `exec`, `eval`, `open`, `globals` or private
# attributes (`._x`). Calling the course's own implementation, or a torch function that does the exercise for you,
# fails the check with a message that says so.
#
# **Warm-up 1 (2 points).** Step 3 over a whole sequence. Given the gate activations of an LSTM, forget gates
# `f`, input gates `i` and candidates `g`, each `(B, T, H)`, and the starting cell state `c0 (B, H)`, return every
# cell state $c_1, \dots, c_T$ as a `(B, T, H)` tensor, using $c_t = f_t \odot c_{t-1} + i_t \odot g_t$.

# %% nbgrader={"grade": false, "grade_id": "lstm_cell_states_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lstm_cell_states(f, i, g, c0):
    ### BEGIN SOLUTION
    memory, history = c0, []
    for step in range(f.shape[1]):
        memory = f[:, step] * memory + i[:, step] * g[:, step]
        history.append(memory)
    return torch.stack(history, dim=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "lstm_cell_states_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_lstm_cell_states

check_lstm_cell_states(lstm_cell_states)

# %% [markdown]
# **Warm-up 2 (3 points).** One whole LSTM step, as `nn.LSTMCell` computes it: `lstm_step(x, h, c, W_ih, W_hh,
# b_ih, b_hh)` with `x (B, I)`, `h` and `c (B, H)`, `W_ih (4H, I)`, `W_hh (4H, H)`, `b_ih` and `b_hh (4H,)`, gates packed
# in torch's order i, f, g, o. Return the pair `(h_next, c_next)`, each `(B, H)`.

# %% nbgrader={"grade": false, "grade_id": "lstm_step_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh):
    ### BEGIN SOLUTION
    pre = x @ W_ih.T + h @ W_hh.T + b_ih + b_hh  # (B, 4H)
    H = h.shape[1]
    gate_in, gate_forget = torch.sigmoid(pre[:, :H]), torch.sigmoid(pre[:, H:2 * H])
    candidate, gate_out = torch.tanh(pre[:, 2 * H:3 * H]), torch.sigmoid(pre[:, 3 * H:])
    c_next = gate_forget * c + gate_in * candidate
    return gate_out * torch.tanh(c_next), c_next
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "lstm_step_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_lstm_step

check_lstm_step(lstm_step)

# %% [markdown]
# **Warm-up 3 (2 points).** How much of $c_t$ reaches $c_T$ along the cell state alone? Each step multiplies by
# the forget gate, so $\partial c_T / \partial c_t = f_{t+1} \odot \cdots \odot f_T$ (and 1 for $t = T$). Given the
# forget gates `f (B, T, H)`, where `f[:, 0]` is $f_1$, return a `(B, T, H)` tensor whose column `t - 1` is
# $\partial c_T / \partial c_t$ (so the last column is all ones).

# %% nbgrader={"grade": false, "grade_id": "cell_path_gain_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cell_path_gain(f):
    ### BEGIN SOLUTION
    gain = torch.ones_like(f)
    for col in range(f.shape[1] - 2, -1, -1):
        gain[:, col] = gain[:, col + 1] * f[:, col + 1]
    return gain
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "cell_path_gain_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_cell_path_gain

check_cell_path_gain(cell_path_gain)

# %% [markdown]
# **Main exercise (5 points): one LSTM step backward.** Section 3 measured ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ with autograd,
# and the course LSTM trains with a backward written by hand (section 4); neither is shown here. Derive it for one
# step. `lstm_step_backward(x, h, c, W_ih, W_hh, b_ih, b_hh, dh_next, dc_next)` takes the step's inputs as in
# warm-up 2, `x (B, I)`, `h` and `c (B, H)`, `W_ih (4H, I)`, `W_hh (4H, H)`, `b_ih` and `b_hh (4H,)`, and the two
# gradients that arrive from later in the sequence, each `(B, H)`:
# - `dh_next` $= \partial L/\partial h'$, the gradient at the step's output $h'$;
# - `dc_next`, the gradient at the new cell state $c'$ along the cell path only (what the next step sends back
#   through its $f \odot c'$), not counting the road through $h'$.
#
# Return the tuple `(dx, dh, dc, dW_ih, dW_hh, db)`: $\partial L/\partial x$ `(B, I)`, $\partial L/\partial h$
# `(B, H)`, $\partial L/\partial c$ `(B, H)`, $\partial L/\partial W_{ih}$ `(4H, I)`, $\partial L/\partial W_{hh}$
# `(4H, H)` and $\partial L/\partial b_{ih}$ `(4H,)` (equal to $\partial L/\partial b_{hh}$), the loss summed over the
# batch. The check compares your gradients with torch's autograd on random inputs; autograd itself (`.backward()`,
# `torch.autograd`, `torch.func`) may not be used in the answer. Your `dc` is section 3's additive path written out:
# once it passes, read off which factor carries the gradient from $c'$ back to $c$.

# %% [markdown]
# *Hint.* Recompute the forward first and keep the four gates. Then go backward one operation at a time, from
# $h' = o \odot \tanh(c')$ to $c' = f \odot c + i \odot g$ to the gates, and count every road from $c'$ to the loss.
# With $\sigma'(a) = \sigma(a)(1 - \sigma(a))$ and $\tanh'(a) = 1 - \tanh^2(a)$ you get the gradient of the packed
# pre-activations $a = x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh}$, `(B, 4H)` in the order i, f, g, o; from there
# each of the six answers is one matrix product or one sum. Each gradient has the shape of its variable.

# %% nbgrader={"grade": false, "grade_id": "lstm_step_backward_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lstm_step_backward(x, h, c, W_ih, W_hh, b_ih, b_hh, dh_next, dc_next):
    """Gradients of one LSTM step: dx (B, I), dh (B, H), dc (B, H), dW_ih (4H, I), dW_hh (4H, H), db (4H,)."""
    ### BEGIN SOLUTION
    a_i, a_f, a_g, a_o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    tanh_c = torch.tanh(f * c + i * g)  # tanh(c')
    dc_new = dc_next + dh_next * o * (1 - tanh_c**2)  # both roads from c' to the loss
    da = torch.cat([dc_new * g * i * (1 - i),  # i
                    dc_new * c * f * (1 - f),  # f
                    dc_new * i * (1 - g**2),  # g
                    dh_next * tanh_c * o * (1 - o)], dim=1)  # o; (B, 4H) in torch's order
    return da @ W_ih, da @ W_hh, dc_new * f, da.T @ x, da.T @ h, da.sum(0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "lstm_step_backward_check", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_lstm_step_backward

check_lstm_step_backward(lstm_step_backward)

# %% [markdown]
# **Think further (not graded).** With the forget gates of section 3 (about 0.5 at default init, about 0.73 with
# bias 1), how many steps back does $c_t$ still reach $c_T$ with a gain of at least 0.01? What forget gate would a
# value need to survive the 40 steps of the adding problem with that gain?
#
# **Next:** [07 · GRU — LSTM 보단 간단함, 성능 무난](07_gru.ipynb) — two gates instead of three, no separate cell state.
