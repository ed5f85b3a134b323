# %% [markdown]
# # 07 · GRU — LSTM 보단 간단함, 성능 무난
#
# **After this notebook you will be able to**
# - write the GRU (Gated Recurrent Unit) cell in torch.nn's gate order (r, z, n) and say what each gate does:
#   the reset gate (리셋 게이트, "이전과 현재 얼마만큼?") and the update gate (업데이트 게이트, "이전과 현재 가중치곱");
# - build it from torch primitives and prove it equal to `torch.nn.GRU`, including **where** torch applies the reset
#   gate, and show that the other placement gives other numbers;
# - read a trained GRU's update gate as a weighted mix of the previous state and the new candidate, on a real sequence;
# - measure a GRU and an LSTM on the same long-range task (parameters, steps, test MSE, time) and explain
#   why torch's GRU is *slower* than its LSTM on a CPU although it has fewer parameters.
#
# The lecture puts two improved RNNs (RNN 개선판) side by side. The LSTM of notebook 06 is **처리할게 많음**: three gates,
# a candidate and a separate cell state. The GRU is **LSTM 보단 간단함, 성능 무난**: simpler than the LSTM, and its
# performance is decent. It keeps two gates, drops the cell state, and lets the hidden state $h_t$ be the memory.

# %%
import time
import warnings

import torch
from torch import nn

from course_lib import plots
from course_lib.gru import GRU
from course_lib.long_range import BASELINE_MSE, AddingRegressor, adding_test_set, train_adding
from course_lib.lstm import LSTM
from course_lib.parallel import train_in_parallel
from course_lib.rnn import RNN
from course_lib.tasks import adding_problem
from course_lib.training import seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)

# %% [markdown]
# ## 1. Two gates
# | gate | the lecture | what it does | equation |
# |---|---|---|---|
# | reset gate $r_t$ | 이전과 현재 얼마만큼? (how much of the previous, with the current?) | how much of the previous state goes into the new candidate | $r_t = \sigma(W_{ir}x_t + b_{ir} + W_{hr}h_{t-1} + b_{hr})$ |
# | update gate $z_t$ | 이전과 현재 가중치곱 (previous and current, weighted) | the weights of the mix of old state and candidate | $z_t = \sigma(W_{iz}x_t + b_{iz} + W_{hz}h_{t-1} + b_{hz})$ |
# | candidate $n_t$ | | new content, from the input and the reset part of the past | $n_t = \tanh(W_{in}x_t + b_{in} + r_t \odot (W_{hn}h_{t-1} + b_{hn}))$ |
# | new state $h_t$ | | keep $z_t$ of the old, take $1 - z_t$ of the new | $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$ |
#
# Against the LSTM: the update gate does the work of both the forget gate ($z_t$ keeps the old) and the input gate
# ($1 - z_t$ writes the new), tied so that the two weights always sum to 1; there is no output gate, and no cell state
# apart from $h_t$. Three blocks of weights instead of four, so a quarter fewer parameters.

# %% [markdown]
# ## 2. The cell from torch primitives, checked against `torch.nn.GRU`
# torch packs the gates in the order **r, z, n**: `weight_ih` $(3H, I)$, `weight_hh` $(3H, H)$, `bias_ih` and
# `bias_hh` $(3H,)$. Mind the candidate: torch multiplies the reset gate with the **whole recurrent term**
# $W_{hn}h_{t-1} + b_{hn}$, so the product $h_{t-1} W_{hh}^\top$ can be computed for all three gates at once.

# %%
def gru_cell(x_t, h, W_ih, W_hh, b_ih, b_hh):
    """One GRU step: x_t (B, I), h (B, H), W_ih (3H, I), W_hh (3H, H), biases (3H,) -> h (B, H)."""
    x_r, x_z, x_n = (x_t @ W_ih.T + b_ih).chunk(3, dim=1)  # torch's order r, z, n
    h_r, h_z, h_n = (h @ W_hh.T + b_hh).chunk(3, dim=1)  # one matmul for all three gates
    r = torch.sigmoid(x_r + h_r)  # reset gate: 이전과 현재 얼마만큼?
    z = torch.sigmoid(x_z + h_z)  # update gate: 이전과 현재 가중치곱
    n = torch.tanh(x_n + r * h_n)  # candidate: r scales W_hn h + b_hn
    return (1 - z) * n + z * h


# %%
torch.manual_seed(0)
reference = nn.GRU(input_size=5, hidden_size=3, batch_first=True).double()
p = dict(reference.named_parameters())
weights = [p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"]]
x = torch.randn(2, 6, 5, dtype=torch.float64)  # (B, T, I)


def run(cell, x):
    """Run a cell function over x (B, T, I) from a zero state; return every h_t as (B, T, H)."""
    h, outputs = torch.zeros(x.shape[0], 3, dtype=x.dtype), []
    for x_t in x.unbind(1):
        h = cell(x_t, h, *weights)
        outputs.append(h)
    return torch.stack(outputs, dim=1)


theirs, _ = reference(x)
print(f"max |difference| to nn.GRU: {(run(gru_cell, x) - theirs).abs().max().item():.1e}")

# %% [markdown]
# The GRU paper (Cho et al., 2014) writes the candidate with the reset gate **inside** the product,
# $n_t = \tanh(W_{in}x_t + b_{in} + W_{hn}(r_t \odot h_{t-1}) + b_{hn})$. That is a GRU too, and both forms are in use,
# but it is not the function `nn.GRU` computes: with the same weights the outputs differ.

# %%
def gru_cell_paper(x_t, h, W_ih, W_hh, b_ih, b_hh):
    """The paper's placement: the reset gate multiplies h before W_hn."""
    x_r, x_z, x_n = (x_t @ W_ih.T + b_ih).chunk(3, dim=1)
    W_hr, W_hz, W_hn = W_hh.chunk(3, dim=0)
    b_hr, b_hz, b_hn = b_hh.chunk(3)
    r = torch.sigmoid(x_r + h @ W_hr.T + b_hr)
    z = torch.sigmoid(x_z + h @ W_hz.T + b_hz)
    n = torch.tanh(x_n + (r * h) @ W_hn.T + b_hn)  # needs r before the product with W_hn
    return (1 - z) * n + z * h


print(f"paper's placement, max |difference| to nn.GRU: {(run(gru_cell_paper, x) - theirs).abs().max().item():.3f}")

# %% [markdown]
# Why does torch (and NVIDIA's cuDNN, whose form torch follows) choose the other placement? The usual reason is speed: with
# $r \odot (W_{hn}h + b_{hn})$ the recurrent products of all three gates are one matmul, `h @ W_hh.T`, done before $r$
# is known; the paper's form needs $r$ first and then a second matmul, one more sequential step at every time step.
# So weights trained in one form do not transfer to the other.
#
# `course_lib.gru.GRU` is the drop-in for `nn.GRU`, with torch's placement; the tests prove outputs, states and
# gradients equal in float64. One check here, two layers and bidirectional:

# %%
torch.manual_seed(1)
theirs_layer = nn.GRU(5, 3, num_layers=2, batch_first=True, bidirectional=True).double()
ours_layer = GRU(5, 3, num_layers=2, batch_first=True, bidirectional=True).double()
ours_layer.load_state_dict(theirs_layer.state_dict())
out_ours, h_ours = ours_layer(x)
out_theirs, h_theirs = theirs_layer(x)
out_ours.sum().backward()
out_theirs.sum().backward()
print("outputs equal:", torch.allclose(out_ours, out_theirs, rtol=0, atol=1e-12),
      "| h_n equal:", torch.allclose(h_ours, h_theirs, rtol=0, atol=1e-12))
print("every gradient equal:", all(torch.allclose(a.grad, b.grad, rtol=0, atol=1e-12)
                                   for a, b in zip(ours_layer.parameters(), theirs_layer.parameters(), strict=True)))

# %% [markdown]
# ## 3. What each gate does, on the adding problem
# The adding problem of notebooks 05 and 06: sequences of (value, marker) pairs, two marked steps, the target is the sum of the two
# marked values (length 40, as in notebook 05; predicting the mean scores 1/6 ≈ 0.167). We train the shared
# `course_lib.long_range.AddingRegressor` with a GRU of hidden size 64, with notebook 05's recipe (a fixed 600 Adam
# steps, learning rate 1e-2, gradients clipped to norm 1) but on fresh batches of 32, to keep the wait short. We train
# torch's `nn.GRU` here, because section 4 compares torch's own modules, and then load its weights into the course GRU
# to read the gates. Section 4's `nn.LSTM` is trained in the same cell with the same recipe: the two trainings share
# nothing, so `train_in_parallel` (notebook 05) runs them at the same time, one process each, with the results they
# would have one after the other.

# %%
LENGTH, STEPS, LR, BATCH = 40, 600, 1e-2, 32
models = {}
for kind in ["gru", "lstm"]:
    seed_everything(0)
    models[kind.upper()] = AddingRegressor(kind, backend="torch")
runs = train_in_parallel(
    models, lambda name, model: train_adding(model, LENGTH, steps=STEPS, lr=LR, batch_size=BATCH, name=name))
print(f"GRU: test MSE {runs['GRU'].test_mse:.3f} after {STEPS} steps (predicting the mean: {BASELINE_MSE:.3f})")

# %% [markdown]
# `return_gates=True` returns $r_t$, $z_t$ and $n_t$ at every step. First the update gate's promise, 이전과 현재 가중치곱:
# every new state is exactly the mix $(1 - z_t) \odot n_t + z_t \odot h_{t-1}$ of the candidate and the previous state.

# %%
course_gru = GRU(2, 64, batch_first=True)
course_gru.load_state_dict(models["GRU"].rnn.state_dict())
test_x, test_y = adding_test_set(LENGTH)
with torch.no_grad():
    states, _, gates = course_gru(test_x, return_gates=True)  # states (B, T, H); each gate (1, B, T, H)
r_gate, z_gate, candidate = (gate[0] for gate in gates)  # (B, T, H)
previous = torch.cat([torch.zeros_like(states[:, :1]), states[:, :-1]], dim=1)  # h_{t-1}, h_0 = 0
mix = (1 - z_gate) * candidate + z_gate * previous
print(f"max |h_t - ((1 - z_t) n_t + z_t h_(t-1))| over the test set: {(states - mix).abs().max().item():.1e}")

# %% [markdown]
# Which units carry the memory? As for the LSTM: units whose update gate **drops** at the marked steps (so that the
# candidate is written) and otherwise stays near 1 (so that the state is kept).

# %%
marked = test_x[:, :, 1] == 1  # (B, T)
writes_at_marks = z_gate[~marked].mean(0) - z_gate[marked].mean(0)  # (H,)
keeps = z_gate[~marked].mean(0)
units = (writes_at_marks * keeps).argsort(descending=True)[:2].tolist()
for k in units:
    corr = torch.corrcoef(torch.stack([states[:, -1, k], test_y]))[0, 1]
    print(f"unit {k}: update gate {z_gate[:, :, k][marked].mean():.2f} at the marked steps, "
          f"{keeps[k]:.2f} elsewhere | reset gate {r_gate[:, :, k][marked].mean():.2f} at the marked steps, "
          f"{r_gate[:, :, k][~marked].mean():.2f} elsewhere | correlation of h_T with the target {corr:.2f}")

# %%
s = 0  # one test sequence
time_axis = range(1, LENGTH + 1)
k = units[0]
fig, axes = plots.plt.subplots(4, 1, figsize=(9, 8), sharex=True)
axes[0].bar(time_axis, test_x[s, :, 0], color="lightgray", label="value")
axes[0].bar(time_axis, test_x[s, :, 0] * test_x[s, :, 1], color="tab:red", label="marked value")
axes[0].set(title=f"입력 (input): target = {test_y[s]:.2f}", ylabel="value")
axes[0].legend(loc="upper right")
for ax, (label, gate) in zip(axes[1:3], [("업데이트 게이트 z (update gate): 1 keeps the previous state", z_gate),
                                         ("리셋 게이트 r (reset gate): how much of h_(t-1) enters n_t", r_gate)],
                             strict=True):
    for unit in units:
        ax.plot(time_axis, gate[s, :, unit], marker=".", label=f"unit {unit}")
    ax.set(title=label, ylim=(-0.05, 1.05))
    ax.legend(loc="lower right")
axes[3].plot(time_axis, previous[s, :, k], color="gray", linestyle="--", label="previous state h_(t-1) (이전)")
axes[3].plot(time_axis, candidate[s, :, k], color="tab:green", alpha=0.6, marker=".", label="candidate n_t (현재)")
axes[3].plot(time_axis, states[s, :, k], color="black", label="h_t = (1 - z) n + z h_(t-1)")
axes[3].set(title=f"이전과 현재 가중치곱: unit {k}'s new state mixes the previous state and the candidate")
axes[3].legend(loc="lower right", fontsize=8)
for ax in axes[1:]:
    for t in marked[s].nonzero().flatten().tolist():
        ax.axvline(t + 1, color="tab:red", alpha=0.3)
axes[-1].set(xlabel="time step t (red lines: the marked steps)")
fig.tight_layout()

# %% [markdown]
# **Reading the figure** (one sequence; the printed numbers are averages over all 1000 test sequences).
# - **Update gate, 이전과 현재 가중치곱.** Before the first marker $z_t$ is moderate: there is nothing to keep yet, and
#   the state partly follows the candidate. At each marked step $z_t$ **drops**, so that the candidate, which has just
#   seen the marked value, is written in. After the first marker $z_t$ stays close to 1: a value is now held and
#   must last, so each new state is almost the previous one.
#   The bottom panel shows the mix itself: the black line $h_t$ lies between the previous state (이전) and the
#   candidate (현재), close to the previous state when $z_t$ is near 1 and jumping towards the candidate when $z_t$ drops.
# - **Reset gate, 이전과 현재 얼마만큼?** It decides how much of the previous state enters the candidate. On this task it
#   hardly moves: it stays low and nearly constant throughout (the averages printed above), so every candidate takes
#   about the same small share of the past. The
#   memory work here is done by the update gate; a reset gate earns its keep on inputs where the candidate must
#   sometimes start afresh, ignoring the past (such as the start of a new sentence).

# %% [markdown]
# ## 4. GRU against LSTM on the same task
# Same data, same seed, same recipe and budget for both, each torch's own module: the `nn.GRU` and the `nn.LSTM`
# trained in section 3. "Steps to 0.01" is the first evaluation (every 50 steps) at which the test MSE fell below
# 0.01. (The tanh RNN, which stays at the baseline at this length, is measured in notebooks 05 and 06.)

# %%
print(f"adding problem, length {LENGTH}, {STEPS} steps each (predicting the mean: MSE {BASELINE_MSE:.3f})")
print(f"{'model':<10}{'parameters':>12}{'steps to 0.01':>15}{'final test MSE':>16}")
for name in ["LSTM", "GRU"]:
    run, n_params = runs[name], sum(q.numel() for q in models[name].parameters())
    reached = run.steps_to(0.01)
    print(f"{name:<10}{n_params:>12,}{reached if reached else 'not reached':>15}{run.test_mse:>16.3f}")

# %%
ax = plots.curves({name: runs[name].history.metrics["test MSE"] for name in ["LSTM", "GRU"]},
                  x=runs["GRU"].history.eval_steps, hline=BASELINE_MSE, hline_label="predict the mean (1/6)",
                  title=f"덧셈 문제 (adding problem), length {LENGTH}", xlabel="training step", ylabel="test MSE")

# %% [markdown]
# And the time. Times change from run to run and machine to machine (this cell's output is not compared when the
# notebook is tested), so read the ratios more than the numbers. The two trainings ran side by side, so their time is
# counted in CPU seconds, each in its own process, which is what each would take alone. Besides them we time one
# training step (forward and backward on a batch of 64 sequences of length 40) of torch's modules, of the course's
# modules, and of `nn.LSTM` with oneDNN switched off.

# %%
def ms_per_step(layer, repeats=10):
    """Milliseconds for one forward and backward pass of a recurrent layer on a (64, LENGTH, 2) batch."""
    x_batch = adding_problem(64, LENGTH, seed=5)[0]

    def step():
        layer(x_batch)[0].sum().backward()

    step()  # warm-up: the first call allocates and picks kernels
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - start) / repeats * 1e3


timed = {(name, kind): ms_per_step(layer(2, 64, batch_first=True))
         for name, layers in [("tanh RNN", (nn.RNN, RNN)), ("LSTM", (nn.LSTM, LSTM)), ("GRU", (nn.GRU, GRU))]
         for kind, layer in zip(["torch.nn", "course_lib"], layers, strict=True)}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # switching oneDNN warns about GPU features this torch does not have
    with torch.backends.mkldnn.flags(enabled=False):
        timed["LSTM", "torch.nn, oneDNN off"] = ms_per_step(nn.LSTM(2, 64, batch_first=True))

# %% tags=["nbval-ignore-output"]
print(f"{'model':<10}{'training (CPU s)':>18}{'to MSE 0.01 (CPU s)':>21}{'torch.nn (ms/step)':>20}{'course_lib (ms/step)':>22}")
for name in ["tanh RNN", "LSTM", "GRU"]:
    run = runs.get(name)  # the tanh RNN is timed per step only, not trained here
    trained = f"{run.seconds:.1f}" if run else "-"
    until = f"{run.seconds * run.steps_to(0.01) / STEPS:.1f}" if run and run.steps_to(0.01) else "-"
    print(f"{name:<10}{trained:>18}{until:>21}{timed[name, 'torch.nn']:>20.1f}{timed[name, 'course_lib']:>22.1f}")
print(f"nn.LSTM with oneDNN off: {timed['LSTM', 'torch.nn, oneDNN off']:.1f} ms/step")
print(f"nn.GRU / nn.LSTM time per step: {timed['GRU', 'torch.nn'] / timed['LSTM', 'torch.nn']:.1f}x; "
      f"nn.LSTM with oneDNN off / on: {timed['LSTM', 'torch.nn, oneDNN off'] / timed['LSTM', 'torch.nn']:.1f}x")

# %% [markdown]
# Why would the smaller cell be the slower one? Count what each module asks autograd to do. Every operation in the
# forward pass leaves one node in the graph that `backward()` walks; a layer built from many small operations per time
# step leaves many nodes, and on a CPU with such small matrices each node costs about as much in overhead as in
# arithmetic. The count is the same on every run:

# %%
def graph_nodes(output):
    """How many autograd nodes produced ``output``: each is one operation that backward() runs."""
    seen, todo = set(), [output.grad_fn]
    while todo:
        node = todo.pop()
        if node is not None and node not in seen:
            seen.add(node)
            todo.extend(parent for parent, _ in node.next_functions)
    return len(seen)


x_batch = adding_problem(64, LENGTH, seed=5)[0]
nodes = {f"{prefix}.{cls.__name__}": graph_nodes(cls(2, 64, batch_first=True)(x_batch)[0])
         for prefix, classes in [("nn", (nn.LSTM, nn.GRU)), ("course_lib", (LSTM, GRU))] for cls in classes}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    with torch.backends.mkldnn.flags(enabled=False):
        nodes["nn.LSTM, oneDNN off"] = graph_nodes(nn.LSTM(2, 64, batch_first=True)(x_batch)[0])
for name, count in nodes.items():
    print(f"{name:<22}{count:>5} autograd nodes for {LENGTH} time steps")

# %% [markdown]
# **What the tables say.**
# - **Accuracy (성능 무난).** On the same task, with the same budget, both gated cells solve what the tanh RNN cannot
#   (it stays at the mean-predicting baseline in notebooks 05 and 06). The GRU got there in fewer steps than the LSTM
#   in this run; one seed and one task do not make a general ranking. "Decent performance" is a fair summary.
# - **Parameters (LSTM 보단 간단함).** Three weight blocks instead of four: the GRU has three quarters of the LSTM's
#   recurrent parameters (both share the same small read-out).
# - **Speed: the surprise.** Fewer parameters did not make torch's GRU faster. In the timing table, `nn.GRU` takes
#   longer per training step than `nn.LSTM` on this CPU (the ratio is printed under the table; the course was built on
#   machines where it was 1.5x to 3x). The node count says why, and it does not depend on the machine: `nn.LSTM`
#   hands the whole sequence to **one fused oneDNN kernel** (forward and backward), so autograd sees a handful of
#   nodes; `nn.GRU` has no such kernel on the CPU and runs as hundreds of small operations, as does `nn.LSTM` with
#   oneDNN switched off, which then loses its lead. The course's GRU is such a loop too (its step, readable by
#   design, under autograd); the course's LSTM does what oneDNN does, its backward through time written by hand
#   (notebook 06), so autograd sees a few nodes and its time per step comes much closer to `nn.LSTM`'s. On a GPU, cuDNN fuses both cells
#   and the picture changes again: measure on the machine you will use.

# %% [markdown]
# ## Summary
# - The GRU (LSTM 보단 간단함, 성능 무난) has two gates and no cell state. The **reset gate** (이전과 현재 얼마만큼?)
#   sets how much of the previous state enters the candidate, $n_t = \tanh(W_{in}x_t + b_{in} + r_t \odot (W_{hn}h_{t-1} + b_{hn}))$;
#   the **update gate** (이전과 현재 가중치곱) mixes the previous state and the candidate,
#   $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$. torch packs the gates as r, z, n.
# - A few lines of torch equal `nn.GRU` (float64, measured above) only with torch's placement of the reset gate,
#   $r \odot (W_{hn}h + b_{hn})$; the paper's $W_{hn}(r \odot h)$ is another function. `course_lib.gru.GRU` is the drop-in.
# - In the trained GRU the memory units hold $z_t$ near 1 and drop it at the marked steps to write.
# - On the adding problem at length 40 the GRU and the LSTM both solve what the tanh RNN cannot; the GRU has fewer
#   parameters, yet on a CPU torch's GRU is slower per step than its LSTM, because the LSTM runs as one fused kernel.

# %% [markdown]
# ## Exercises
# Each answer cell has a check cell below it that runs your function on fresh random inputs, in float64, and tells
# you what, if anything, is wrong.
#
# **Exercise 1 (2 points).** The update gate over a whole sequence, 이전과 현재 가중치곱. Given update gates `z` and
# candidates `n`, each `(B, T, H)`, and the starting state `h0 (B, H)`, return every state $h_1, \dots, h_T$ as a
# `(B, T, H)` tensor, using torch's $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$.

# %% nbgrader={"grade": false, "grade_id": "gru_update_states_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gru_update_states(z, n, h0):
    ### BEGIN SOLUTION
    state, kept = h0, []
    for step in range(z.shape[1]):
        state = z[:, step] * state + (1 - z[:, step]) * n[:, step]
        kept.append(state)
    return torch.stack(kept, dim=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "gru_update_states_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_gru_update_states

check_gru_update_states(gru_update_states)

# %% [markdown]
# **Exercise 2 (3 points).** One whole GRU step, as `nn.GRUCell` computes it: `gru_step(x, h, W_ih, W_hh, b_ih, b_hh)`
# with `x (B, I)`, `h (B, H)`, `W_ih (3H, I)`, `W_hh (3H, H)`, `b_ih` and `b_hh (3H,)`, gates packed in torch's order
# r, z, n, and the reset gate applied where torch applies it. Return `h_next (B, H)`.

# %% nbgrader={"grade": false, "grade_id": "gru_step_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gru_step(x, h, W_ih, W_hh, b_ih, b_hh):
    ### BEGIN SOLUTION
    H = h.shape[1]
    from_x = x @ W_ih.T + b_ih  # (B, 3H)
    from_h = h @ W_hh.T + b_hh  # (B, 3H)
    reset = torch.sigmoid(from_x[:, :H] + from_h[:, :H])
    update = torch.sigmoid(from_x[:, H:2 * H] + from_h[:, H:2 * H])
    new = torch.tanh(from_x[:, 2 * H:] + reset * from_h[:, 2 * H:])
    return update * h + (1 - update) * new
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "gru_step_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_gru_step

check_gru_step(gru_step)

# %% [markdown]
# **Think further (not graded).** If every $z_t$ of a unit were 0.95 from step 1 to step 50, how much of $h_1$ would
# still be in $h_{50}$ along the update path? Compare with the forget gates of notebook 06.
#
# **Next:** [08 · 셀프 어텐션 (self-attention)](08_self_attention.ipynb) — instead of carrying everything in one state,
# look back at every word directly.
