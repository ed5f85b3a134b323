# %% [markdown]
# # 06 · LSTM (Long Short Term Memory) — 처리할게 많음
#
# **After this notebook you will be able to**
# - write the LSTM cell in torch.nn's gate order (i, f, g, o) and point at the lecture's four steps in it:
#   1. 입력 게이트 (input gate), 2. 삭제 게이트 (forget gate), 3. 장기 기억 (cell state), 4. 출력 게이트 (output gate);
# - build the cell from torch primitives, prove it equal to `torch.nn.LSTM`, and use `course_lib.lstm.LSTM` as its drop-in;
# - measure ‖∂L/∂h_t‖ over time for the LSTM and the tanh RNN, and say honestly what the gates do at initialisation,
#   what a forget-gate bias of 1 changes, and what training changes;
# - solve the adding problem at a length where the tanh RNN fails;
# - read a trained LSTM's gates on one sequence: where the input gate opens, where the forget gate keeps the cell,
#   and how the cell state carries a value to the end.
#
# Notebook 05 measured the weakness the lecture calls 기울기 소실 문제 (the vanishing gradient): in a tanh RNN the
# gradient shrinks at every step back in time, so an input that lies far back is hard to learn from. The lecture's
# way out, **RNN 개선 방법**, starts from a wish: *단어들을 오랫동안 기억하면 좋을텐데* — it would be good to remember
# words for a long time. Trick #3, **gated cells**, is how: sigmoid layers and pointwise multiplications that
# selectively **add** information to a memory or **remove** it. The first gated cell is the **LSTM (Long Short Term
# Memory)**, which the lecture labels **처리할게 많음**: there is a lot to process.

# %%
import copy

import torch
from torch import nn

from course_lib import plots
from course_lib.gradients import hidden_state_grad_norms
from course_lib.long_range import BASELINE_MSE, AddingRegressor, adding_test_set, train_adding
from course_lib.lstm import LSTM, LSTMCell, set_forget_bias_
from course_lib.parallel import train_in_parallel
from course_lib.rnn import RNNCell
from course_lib.tasks import adding_problem
from course_lib.training import seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)

# %% [markdown]
# ## 1. 처리할게 많음: the four steps
# An LSTM carries **two** states from step to step: the output $h_t$, as in the RNN, and a second, protected memory,
# the **cell state** $c_t$. Four small layers read the new input $x_t$ and the last output $h_{t-1}$; three of them are
# sigmoid **gates** (values between 0 = closed and 1 = open) and one proposes new content. The lecture lists the steps:
#
# | step | the lecture | what it does | equation |
# |---|---|---|---|
# | 1 | Weight 계산 (입력 게이트) | input gate: how much of the new candidate $g_t$ to write | $i_t = \sigma(W_{ii}x_t + b_{ii} + W_{hi}h_{t-1} + b_{hi})$, $\; g_t = \tanh(W_{ig}x_t + b_{ig} + W_{hg}h_{t-1} + b_{hg})$ |
# | 2 | 불필요하면 지움 (삭제 게이트) | forget gate: how much of the old memory to keep (0 erases it) | $f_t = \sigma(W_{if}x_t + b_{if} + W_{hf}h_{t-1} + b_{hf})$ |
# | 3 | 장기 기억 수치 (텍스트 중요도) | cell state, the long-term memory: keep $f_t$ of the old, add $i_t$ of the new | $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ |
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
print(f"outputs h_t, max |difference| to nn.LSTM: {(torch.stack(outputs, 1) - theirs).abs().max().item():.1e}")
print(f"final cell state c_T, max |difference|:   {(c - c_n[0]).abs().max().item():.1e}")

# %% [markdown]
# `course_lib.lstm.LSTM` is this cell grown into a drop-in for `nn.LSTM`: the same constructor, parameter names,
# gate order and returns `(output, (h_n, c_n))`, so `load_state_dict` moves weights both ways. The test suite proves
# outputs, states and gradients equal in float64 over layers, directions and layouts; one check here, two layers:

# %%
torch.manual_seed(1)
theirs_layer = nn.LSTM(5, 3, num_layers=2, batch_first=True).double()
ours_layer = LSTM(5, 3, num_layers=2, batch_first=True).double()
ours_layer.load_state_dict(theirs_layer.state_dict())
out_ours, (h_ours, c_ours) = ours_layer(x)
out_theirs, (h_theirs, c_theirs) = theirs_layer(x)
out_ours.sum().backward()
out_theirs.sum().backward()
print("outputs equal:", torch.allclose(out_ours, out_theirs, rtol=0, atol=1e-12),
      "| h_n equal:", torch.allclose(h_ours, h_theirs, rtol=0, atol=1e-12),
      "| c_n equal:", torch.allclose(c_ours, c_theirs, rtol=0, atol=1e-12))
print("every gradient equal:", all(torch.allclose(a.grad, b.grad, rtol=0, atol=1e-12)
                                   for a, b in zip(ours_layer.parameters(), theirs_layer.parameters(), strict=True)))
print("parameters:", sum(q.numel() for q in ours_layer.parameters()),
      "= 4 gates × (H·I + H·H + 2H) in layer 1, and the same with input D·H in layer 2")

# %% [markdown]
# ## 3. Does the cell state keep the gradient alive? At initialisation: not by itself
# Along the cell state alone, step 3 gives $\partial c_t / \partial c_{t-1} = \operatorname{diag}(f_t)$: no weight matrix
# and no $\tanh'$ on that path, only the forget gate. That is the **additive path** the LSTM is famous for. But it
# keeps the gradient only if $f_t$ is near 1, and a fresh LSTM's biases are small, so $f_t \approx \sigma(0) = 0.5$.
#
# We measure instead of assuming: ‖∂L/∂h_t‖ for every $t$, with $L$ a loss on the last state $h_T$, over 100 steps of
# adding-problem input (float64: in float32 the tanh RNN's gradient underflows to exactly 0). Three cells of hidden
# size 64: a tanh RNN, an LSTM with torch's default initialisation, and the **same** LSTM with its forget-gate bias set
# to 1 (`set_forget_bias_`, so $f_t$ starts near $\sigma(1) = 0.73$).

# %%
x_long = adding_problem(32, 100, seed=3)[0].double()  # (B, T=100, 2): (value, marker) at each step
torch.manual_seed(0)
lstm_default = LSTMCell(2, 64).double()
cells = {
    "tanh RNN": RNNCell(2, 64).double(),
    "LSTM, default init": lstm_default,
    "LSTM, forget bias 1": set_forget_bias_(copy.deepcopy(lstm_default), 1.0),
}


def per_step_factor(norms):
    """The average factor by which ‖∂L/∂h_t‖ shrinks per step back in time (geometric mean)."""
    return (norms[0] / norms[-1]).item() ** (1 / (len(norms) - 1))


def mean_forget_gate(cell, x):
    """The forget gate f_t of an LSTM cell averaged over every step, unit and sequence of x (B, T, I)."""
    state, total = None, 0.0
    with torch.no_grad():
        for x_t in x.unbind(1):
            state, gates = cell(x_t, state, return_gates=True)
            total += gates.f.mean().item()
    return total / x.shape[1]


grad_norms = {name: hidden_state_grad_norms(cell, x_long) for name, cell in cells.items()}
forget = {name: mean_forget_gate(cell, x_long) for name, cell in cells.items() if "LSTM" in name}
for name, norms in grad_norms.items():
    gate = f", mean forget gate {forget[name]:.2f}" if name in forget else ""
    print(f"{name:<20} ‖∂L/∂h_1‖ / ‖∂L/∂h_100‖ = {(norms[0] / norms[-1]).item():.0e}, "
          f"per step {per_step_factor(norms):.2f}{gate}")

# %%
ax = plots.curves({name: n.log10().numpy() for name, n in grad_norms.items()}, x=range(1, 101),
                  title=r"기울기 소실: $\|\partial L/\partial h_t\|$ at initialisation",
                  xlabel="time step t (L is computed at t = 100)", ylabel=r"$\log_{10}\|\partial L/\partial h_t\|$")

# %% [markdown]
# **What the numbers say.** At torch's default initialisation the LSTM's gradient vanishes about as fast as the tanh
# RNN's: the forget gate sits near one half, so the "additive path" multiplies the gradient by about 0.5 per step, and
# the gated cell is no better off than the plain one. The gates are not magic. Setting the forget-gate bias to 1, a
# standard trick, makes the path leak much less per step, which over a hundred steps is many orders of magnitude.
# Still not 1 per step: what really opens the path is **training**, when the task rewards remembering (sections 5 and 6).

# %% [markdown]
# ## 4. The long-range task: the adding problem
# Each sequence carries a value in $[0, 1)$ and a marker at every step; exactly one step in each half is marked, and
# the target is the sum of the two marked values, read from the last state. Predicting the mean scores
# MSE = 1/6 ≈ 0.167. At length 40 the first marked value lies up to 40 steps before the answer is read: the lecture's
# "어떤 입력의 정보가 사용되는 시점이 차이가 많이 날 경우". Both models below are the shared
# `course_lib.long_range.AddingRegressor` (hidden size 64, a linear read-out of $h_T$), trained by `train_adding`
# with the same budget, notebook 05's recipe: 600 Adam steps (learning rate 1e-2, gradients clipped to norm 1) on
# fresh batches of 64.
#
# Both are the course's own layers: `course_lib.rnn.RNN` and `course_lib.lstm.LSTM`. The course LSTM runs the four
# steps above over the whole sequence and writes its backward through time by hand, the LSTM's derivatives step by step
# in reverse, instead of letting autograd record about ten small operations per step; that is what torch's fused
# oneDNN kernel does too, and it brings the course LSTM's time per step close to `nn.LSTM`'s (notebook 07 times
# both). The two trainings share nothing, so `train_in_parallel` (notebook 05) runs them at the same time, one process
# each, with the results they would have one after the other.

# %%
LENGTH, STEPS, LR = 40, 600, 1e-2
models = {}
for name, kind in [("tanh RNN", "tanh"), ("LSTM", "lstm")]:
    seed_everything(0)
    models[name] = AddingRegressor(kind)
runs = train_in_parallel(models, lambda name, model: train_adding(model, LENGTH, steps=STEPS, lr=LR, name=name))

# %%
print(f"adding problem, length {LENGTH}, {STEPS} steps; always predicting the mean scores {BASELINE_MSE:.3f}")
for name, run in runs.items():
    print(f"{name:<9} test MSE {run.test_mse:.3f}   first below 0.01 at step: {run.steps_to(0.01)}")

# %%
ax = plots.curves({name: run.history.metrics["test MSE"] for name, run in runs.items()},
                  x=runs["LSTM"].history.eval_steps, hline=BASELINE_MSE, hline_label="predict the mean (1/6)",
                  title=f"덧셈 문제 (adding problem), length {LENGTH}", xlabel="training step", ylabel="test MSE")

# %% [markdown]
# ## 5. Inside the trained LSTM: the four steps on one sequence
# The trained `course_lib.lstm.LSTM`, called with `return_gates=True`, also returns every gate's activation and the
# cell state at every step, here for all 1000 test sequences. Which of the 64 units hold the
# memory? We rank them by how much their input gate opens at the marked steps (against the other steps) times how
# much their forget gate keeps on average, and follow the top two.

# %%
course_lstm = models["LSTM"].rnn  # the trained layer
test_x, test_y = adding_test_set(LENGTH)
with torch.no_grad():
    _, _, gates = course_lstm(test_x, return_gates=True)  # each gate (layers=1, B, T, H)
i_gate, f_gate, c_state, o_gate = (gate[0] for gate in (gates.i, gates.f, gates.c, gates.o))  # (B, T, H)

marked = test_x[:, :, 1] == 1  # (B, T)
opens_at_marks = i_gate[marked].mean(0) - i_gate[~marked].mean(0)  # (H,)
keeps = f_gate.mean((0, 1))  # (H,)
units = (opens_at_marks * keeps).argsort(descending=True)[:2].tolist()
for k in units:
    corr = torch.corrcoef(torch.stack([c_state[:, -1, k], test_y]))[0, 1]
    print(f"unit {k}: input gate {i_gate[:, :, k][marked].mean():.2f} at the marked steps, "
          f"{i_gate[:, :, k][~marked].mean():.2f} elsewhere | forget gate {keeps[k]:.2f} on average | "
          f"correlation of its final cell state with the target {corr:.2f}")

# %%
s = 0  # one test sequence
time_axis = range(1, LENGTH + 1)
fig, axes = plots.plt.subplots(5, 1, figsize=(9, 9), sharex=True)
axes[0].bar(time_axis, test_x[s, :, 0], color="lightgray", label="value")
axes[0].bar(time_axis, test_x[s, :, 0] * test_x[s, :, 1], color="tab:red", label="marked value")
axes[0].set(title=f"입력 (input): target = {test_y[s]:.2f}", ylabel="value")
axes[0].legend(loc="upper right")
for ax, (label, gate) in zip(axes[1:], [("1. 입력 게이트 i (input gate)", i_gate),
                                        ("2. 삭제 게이트 f (forget gate)", f_gate),
                                        ("3. 장기 기억 c (cell state)", c_state),
                                        ("4. 출력 게이트 o (output gate)", o_gate)], strict=True):
    for k in units:
        ax.plot(time_axis, gate[s, :, k], marker=".", label=f"unit {k}")
    for t in marked[s].nonzero().flatten().tolist():
        ax.axvline(t + 1, color="tab:red", alpha=0.3)
    ax.set(title=label)
    ax.legend(loc="upper right")
axes[-1].set(xlabel="time step t (red lines: the marked steps)")
fig.tight_layout()

# %% [markdown]
# **Reading the figure** (one sequence; the printed numbers are averages over all 1000 test sequences).
# The two units the ranking picks behave differently, and the difference is the forget gate.
#
# **The first unit is a memory unit**, and it runs the lecture's four steps one by one:
# 1. **입력 게이트**: the input gate is almost shut, except at the two marked steps, where it opens: the unit writes
#    when something matters and (nearly) nothing otherwise.
# 2. **삭제 게이트**: the forget gate climbs to about 1 within a few steps and stays there, so almost nothing is erased.
# 3. **장기 기억**: so the cell state jumps at the markers and barely drifts in between; at the end it holds the
#    answer: over the test set its final value correlates almost perfectly with the target (the sign is arbitrary:
#    the read-out's weight can be negative).
# 4. **출력 게이트**: the output gate is open (near 1), so $h_T$ shows the memory to the linear read-out.
#
# **The second unit is not.** Its input gate also opens at the markers, but its forget gate stays far below 1, so what
# it writes is erased a few steps later: its cell state jumps at a marker and decays back towards 0. It signals that a
# marker has just passed, not what its value was, and its final cell state correlates only weakly with the target.
# Same equations, another forget gate: the 삭제 게이트 decides what becomes long-term memory.

# %% [markdown]
# ## 6. After training, the gradient reaches far back
# The trained LSTM's cell in float64, measured exactly as in section 3 on the same 100-step inputs:

# %%
trained_cell = LSTMCell(2, 64).double()
trained_cell.load_state_dict({k.removesuffix("_l0"): v for k, v in models["LSTM"].rnn.state_dict().items()})
grad_norms["LSTM after training"] = hidden_state_grad_norms(trained_cell, x_long)
forget["LSTM after training"] = mean_forget_gate(trained_cell, x_long)
for name, norms in grad_norms.items():
    print(f"{name:<20} per step {per_step_factor(norms):.2f}")
print(f"trained LSTM: mean forget gate {forget['LSTM after training']:.2f} over all units; "
      f"units whose forget gate averages above 0.9 on the test set: {int((keeps > 0.9).sum())} of 64")

# %%
ax = plots.curves({name: n.log10().numpy() for name, n in grad_norms.items()}, x=range(1, 101),
                  title=r"$\|\partial L/\partial h_t\|$ at initialisation and after training",
                  xlabel="time step t (L is computed at t = 100)", ylabel=r"$\log_{10}\|\partial L/\partial h_t\|$")

# %% [markdown]
# After training the gradient no longer vanishes: ‖∂L/∂h_t‖ is nearly as large at $t = 1$ as at $t = 100$. Yet the
# forget gate averaged over all units is far from 1, lower even than at initialisation (both printed above). Training
# did not teach the whole layer to remember; it turned one unit or a few (counted above) into memories whose forget
# gate stays near 1, like the first unit of section 5, and along their cell states the gradient loses only a few
# percent per step. That is the
# additive path at work: the LSTM makes it possible, and training opens it where the task needs it.

# %% [markdown]
# ## Summary
# - The LSTM (처리할게 많음) carries a cell state $c_t$ beside $h_t$ and runs four steps: 1. the input gate weights the
#   new candidate (입력 게이트), 2. the forget gate erases what is not needed (삭제 게이트), 3. the cell state keeps the
#   long-term memory, $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ (장기 기억), 4. the output gate shows part of it,
#   $h_t = o_t \odot \tanh(c_t)$ (출력 게이트). torch packs the gates as i, f, g, o.
# - A few lines of torch equal `nn.LSTM` (float64, measured above), and `course_lib.lstm.LSTM` is its drop-in, with
#   `return_gates=True` to look inside.
# - The cell state is an additive path whose gain per step is the forget gate. Measured honestly: at torch's default
#   initialisation $f \approx 0.5$ and the LSTM's gradient vanishes about as fast as the tanh RNN's; a forget-gate bias
#   of 1 slows the decay a lot; after training, the gradient reaches all the way back, along the cell states of the
#   few units whose forget gate learnt to stay near 1.
# - On the adding problem at length 40 the tanh RNN stays at the mean-predicting baseline, while the LSTM, with the
#   same budget, brings the test MSE far below it; inside, a memory unit opens its input gate at the markers and
#   keeps its cell state in between.

# %% [markdown]
# ## Exercises
# Each answer cell has a check cell below it that runs your function on fresh random inputs, in float64, and tells
# you what, if anything, is wrong.
#
# **Exercise 1 (2 points).** Step 3 over a whole sequence. Given the gate activations of an LSTM, forget gates
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
# **Exercise 2 (3 points).** One whole LSTM step, as `nn.LSTMCell` computes it: `lstm_step(x, h, c, W_ih, W_hh,
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
# **Exercise 3 (2 points).** How much of $c_t$ reaches $c_T$ along the cell state alone? Each step multiplies by
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
# **Think further (not graded).** With the forget gates of section 3 (about 0.5 at default init, about 0.73 with
# bias 1), how many steps back does $c_t$ still reach $c_T$ with a gain of at least 0.01? What forget gate would a
# value need to survive the 40 steps of the adding problem with that gain?
#
# **Next:** [07 · GRU — LSTM 보단 간단함, 성능 무난](07_gru.ipynb) — two gates instead of three, no separate cell state.
