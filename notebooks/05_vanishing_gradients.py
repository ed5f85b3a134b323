# %% [markdown]
# # 05 · RNN에서도 약점이 있다? — 기울기 소실 문제 (vanishing gradients)
#
# **After this notebook you will be able to**
# - backpropagate through time (BPTT) by hand in NumPy, check it against finite differences, and read off the
#   gradient $\partial L/\partial h_t$ that reaches every earlier step;
# - measure $\lVert\partial L/\partial h_t\rVert$ over $t$ and its per-step decay factor for a tanh RNN, a ReLU RNN,
#   an IRNN, an LSTM and a GRU at initialisation (기울기 소실, the vanishing gradient);
# - explain the decay from the product of step Jacobians $\operatorname{diag}(1-h_t^2)\,W_{hh}$ and the spectrum of
#   $W_{hh}$, and predict when the gradient explodes instead (기울기 폭발, exploding gradient);
# - tame an exploding gradient by clipping its norm;
# - measure the lecture's three tricks (ReLU, identity initialisation, gated cells) on a task where the tanh RNN fails.
#
# Notebook 02 ended on a warning: backprop through time multiplies the gradient by one factor
# $\operatorname{diag}(1-h^2)\,W_{hh}$ per step. The lecture asks **RNN에서도 약점이 있다?** (does the RNN have a weakness
# too?) and answers with the **기울기 소실 문제** (the vanishing-gradient problem):
# **어떤 입력의 정보가 사용되는 시점이 차이가 많이 날 경우, 학습 능력이 저하된다** — when an input's information is used
# long after the input arrived, learning degrades. This notebook measures that sentence.

# %%
import math

import numpy as np
import torch
from torch.nn import functional as F

from course_lib import plots
from course_lib.gradients import (
    clip_grad_norm_,
    hidden_state_grad_norms,
    jacobian_product_singular_values,
    numerical_gradient,
    relative_error,
    step_jacobians,
)
from course_lib.gru import GRUCell
from course_lib.long_range import BASELINE_MSE, AddingRegressor, adding_test_set, train_adding
from course_lib.lstm import LSTMCell, set_forget_bias_
from course_lib.parallel import train_in_parallel
from course_lib.rnn import RNNCell, identity_init_, rnn_backward, rnn_forward, rnn_step_backward
from course_lib.tasks import adding_batches, adding_problem
from course_lib.training import seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)

# %% [markdown]
# ## 1. A task where the distance is the point: the adding problem (덧셈 문제)
# Each step carries a pair (value, marker). Values are random in $[0, 1)$; exactly two steps are marked, one in each
# half of the sequence. The target is the sum of the two marked values, read at the **last** step. The first marked
# value can lie almost the whole sequence back: the information is used long after it arrived.

# %%
x, y = adding_problem(1, 10, seed=3)
print("values :", np.round(x[0, :, 0].numpy(), 2))
print("markers:", x[0, :, 1].int().numpy())
print(f"target = sum of the two marked values = {y.item():.3f}")

# %% [markdown]
# A model that learns nothing about the markers can only predict the average target, 1.0. Its mean squared error is
# the variance of a sum of two uniform numbers, $2 \cdot \frac{1}{12} = \frac{1}{6}$: the **baseline** every model below
# must beat. On the fixed test set of section 6 (1000 sequences of length 40):

# %%
LENGTH = 40
_, y_test = adding_test_set(LENGTH)
baseline_test = F.mse_loss(torch.ones_like(y_test), y_test).item()
print(f"always predict 1.0: test MSE {baseline_test:.3f} (1/6 = {BASELINE_MSE:.3f} in expectation)")

# %% [markdown]
# ## 2. Backprop through time by hand, and the gradient that reaches early steps
# A tanh RNN reads the sequence, and a read-out $w$ turns the last state into the prediction $\hat y = h_T \cdot w$;
# the loss is $L = \operatorname{mean}(\hat y - y)^2$. Only $h_T$ touches the loss directly, so every earlier
# $h_t$ receives its gradient through the chain of later states:
#
# $$\frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial h_t}\,\frac{\partial h_t}{\partial h_{t-1}},
# \qquad \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(1 - h_t^2)\,W_{hh}$$
#
# First the whole BPTT of notebook 02 (`rnn_forward`, `rnn_backward`), checked against finite differences on
# $W_{hh}$, in float64:

# %%
rng = np.random.default_rng(0)
B, T, H = 8, 30, 16
xs, ys = (a.double().numpy() for a in adding_problem(B, T, seed=1))
W_xh, W_hh = rng.uniform(-1, 1, (H, 2)) / np.sqrt(H), rng.uniform(-1, 1, (H, H)) / np.sqrt(H)
b, w, h0 = np.zeros(H), rng.normal(0, 1 / np.sqrt(H), H), np.zeros((B, H))


def loss_of(W):
    hs, _ = rnn_forward(xs, h0, W_xh, W, b)
    return np.mean((hs[:, -1] @ w - ys) ** 2)


hs, cache = rnn_forward(xs, h0, W_xh, W_hh, b)
dh = np.zeros_like(hs)
dh[:, -1] = 2 * (hs[:, -1] @ w - ys)[:, None] * w / B  # ∂L/∂h_T; every other step gets nothing directly
_, _, _, dW_hh, _ = rnn_backward(dh, cache)
print(f"∂L/∂W_hh: relative error to finite differences {relative_error(dW_hh, numerical_gradient(loss_of, W_hh.copy())):.1e}")

# %% [markdown]
# Now the same backward walk one step at a time, keeping the norm of $\partial L/\partial h_t$ at every step:

# %%
d = dh[:, -1]
norms_np = [np.linalg.norm(d)]
for t in reversed(range(1, T)):
    # ∂L/∂h_{t-1} = ∂L/∂h_t · diag(1 - h_t²) W_hh: the dprev_h of one step backward
    _, d, _, _, _ = rnn_step_backward(d, cache[t])
    norms_np.append(np.linalg.norm(d))
norms_np = np.array(norms_np[::-1])  # norms_np[t-1] = ‖∂L/∂h_t‖
print(f"‖∂L/∂h_T‖ = {norms_np[-1]:.2e}, ‖∂L/∂h_1‖ = {norms_np[0]:.2e}: "
      f"{norms_np[-1] / norms_np[0]:.0f} times smaller after {T - 1} steps back, "
      f"a factor {(norms_np[0] / norms_np[-1]) ** (1 / (T - 1)):.2f} per step")

# %% [markdown]
# `course_lib.gradients.hidden_state_grad_norms` measures the same thing with autograd for any cell (course or torch
# `RNNCell`, `LSTMCell`, `GRUCell`). Loaded with these weights, it agrees with the NumPy walk:

# %%
cell = RNNCell(2, H).double()
with torch.no_grad():
    cell.weight_ih.copy_(torch.tensor(W_xh))
    cell.weight_hh.copy_(torch.tensor(W_hh))
    cell.bias_ih.zero_()
    cell.bias_hh.zero_()
norms_lib = hidden_state_grad_norms(cell, torch.tensor(xs),
                                    loss_fn=lambda h_T: ((h_T @ torch.tensor(w) - torch.tensor(ys)) ** 2).mean())
print(f"largest relative difference to the NumPy walk: {np.max(np.abs(norms_lib.numpy() / norms_np - 1)):.1e}")

# %% [markdown]
# ## 3. 기울기 소실: $\lVert\partial L/\partial h_t\rVert$ over 100 steps, at initialisation
# Six cells of hidden size 64 read the same batch of 32 adding-problem sequences of length 100, and $L$ is the sum of
# $h_T$ (any loss on $h_T$ gives the same picture). The per-step factor is
# $\left(\lVert\partial L/\partial h_1\rVert / \lVert\partial L/\partial h_T\rVert\right)^{1/99}$, the average shrinkage
# of one step back.
# - **tanh RNN** with torch's default initialisation ($U(-1/\sqrt{H}, 1/\sqrt{H})$);
# - **ReLU RNN**, default initialisation: Trick #1 alone (활성화 함수: ReLU's $f'=1$ for $x>0$ does not shrink the gradient);
# - **IRNN**: ReLU with $W_{hh} = I$ and zero biases, Tricks #1 + #2 (파라미터 초기화: identity weights, zero biases);
# - **LSTM** and **GRU** with torch's default initialisation, and an **LSTM with forget-gate bias 1** (Trick #3, gated cells).

# %%
T_long, H = 100, 64
x_long = adding_problem(32, T_long, seed=1)[0].double()  # (B, T, 2)


def fresh(make):
    """A new cell from make(), seeded so every run and every cell type starts the same way, in float64."""
    torch.manual_seed(0)
    return make().double()


cells = {
    "tanh RNN": fresh(lambda: RNNCell(2, H)),
    "ReLU RNN": fresh(lambda: RNNCell(2, H, nonlinearity="relu")),
    "IRNN (ReLU + identity)": fresh(lambda: identity_init_(RNNCell(2, H, nonlinearity="relu"))),
    "LSTM": fresh(lambda: LSTMCell(2, H)),
    "LSTM, forget bias 1": fresh(lambda: set_forget_bias_(LSTMCell(2, H), 1.0)),
    "GRU": fresh(lambda: GRUCell(2, H)),
}
grad_norms = {name: hidden_state_grad_norms(c, x_long) for name, c in cells.items()}
print(f"{'cell':<24}{'‖∂L/∂h_1‖ / ‖∂L/∂h_T‖':>24}{'per step':>10}")
for name, n in grad_norms.items():
    ratio = (n[0] / n[-1]).item()
    print(f"{name:<24}{ratio:>24.1e}{ratio ** (1 / (T_long - 1)):>10.2f}")

# %%
ax = plots.curves({name: n.log10() for name, n in grad_norms.items()}, x=range(1, T_long + 1),
                  title="기울기 소실: ‖∂L/∂h_t‖ at initialisation (loss at t = 100)",
                  xlabel="time step t", ylabel=r"$\log_{10}\|\partial L/\partial h_t\|$")

# %% [markdown]
# **What the numbers say.** A factor $q$ per step becomes $q^{99}$ over the sequence; the table prints both.
# - The tanh RNN loses most of its gradient per step; at $h_1$ essentially nothing is left to learn from.
# - ReLU alone (Trick #1) does not help at torch's default initialisation: it decays at least as fast as tanh here.
#   $f' = 1$ only where a unit is on; $W_{hh}$ still shrinks the gradient, and units that are off pass nothing back.
# - ReLU **with** the identity initialisation (Tricks #1 + #2, the IRNN) keeps the factor at about one per step: the
#   gradient reaches $h_1$ nearly intact.
# - The LSTM and the GRU at their default initialisation decay about as fast as the tanh RNN. Gates are not magic at
#   initialisation: their biases start near 0, so a forget gate starts near $\sigma(0) = 0.5$ and lets only part of the
#   cell state (and its gradient) through. A forget-gate bias of 1 raises the factor (see the table), and training can
#   open the path further (notebook 06).
#
# Use float64 for such measurements: float32 cannot hold numbers below about $10^{-45}$, and a longer sequence gets there.

# %%
x_200 = adding_problem(32, 200, seed=1)[0]
tanh_32 = fresh(lambda: RNNCell(2, H)).float()
n32 = hidden_state_grad_norms(tanh_32, x_200)
n64 = hidden_state_grad_norms(tanh_32.double(), x_200.double())
print(f"length 200, float32: {int((n32 == 0).sum())} of 200 norms are exactly 0; "
      f"float64: ‖∂L/∂h_1‖ = {n64[0].item():.1e}")

# %% [markdown]
# ## 4. Why: the product of Jacobians and the spectrum of $W_{hh}$
# Going back from $h_T$ to $h_t$ multiplies by one Jacobian per step:
#
# $$\frac{\partial h_T}{\partial h_t} = J_T J_{T-1} \cdots J_{t+1}, \qquad J_s = \operatorname{diag}(1-h_s^2)\,W_{hh}.$$
#
# Each $\operatorname{diag}(1-h_s^2)$ has entries in $(0, 1]$ ($\tanh' \le 1$), so one step can stretch a gradient by
# at most $\sigma_{\max}(W_{hh})$, the largest singular value. If $\sigma_{\max}(W_{hh}) < 1$, every step shrinks the
# gradient and it **must** vanish. Over many steps, what counts is the spectral radius $\rho(W_{hh}) = \max|\lambda|$,
# since $\lVert W^k\rVert^{1/k} \to \rho(W)$: $\rho < 1$ makes the product of $W_{hh}$'s shrink, $\rho > 1$ lets it
# grow, and the $\tanh'$ factors can only pull it down.
#
# `step_jacobians` computes every $J_s$ along one sequence; `jacobian_product_singular_values` the singular values of
# $J_t \cdots J_1$. We compare the tanh RNN of section 3 with a copy whose $W_{hh}$ is multiplied by 3.

# %%
def states(cell, x):
    """The hidden states (T, H) of ``cell`` run over one sequence x (T, I) from zeros."""
    h, out = torch.zeros(cell.hidden_size, dtype=x.dtype), []
    with torch.no_grad():
        for x_t in x:
            h = cell(x_t, h)
            out.append(h)
    return torch.stack(out)


big = fresh(lambda: RNNCell(2, H))
with torch.no_grad():
    big.weight_hh.mul_(3)
spectra, products = {}, {}
table = [f"{'tanh RNN':<14}{'σ_max(W_hh)':>12}{'ρ(W_hh)':>9}{'mean tanh′':>12}{'σ_max(J_100⋯J_1)':>19}{'per step':>10}"]
for name, c in [("W_hh", cells["tanh RNN"]), ("3 × W_hh", big)]:
    W = c.weight_hh.detach()
    spectra[name] = torch.linalg.svdvals(W)
    products[name] = jacobian_product_singular_values(step_jacobians(c, x_long[0]))[:, 0]
    tanh_prime = (1 - states(c, x_long[0]) ** 2).mean().item()
    rho = torch.linalg.eigvals(W).abs().max().item()
    table.append(f"{name:<14}{spectra[name][0].item():>12.2f}{rho:>9.2f}{tanh_prime:>12.2f}"
                 f"{products[name][-1].item():>19.1e}{products[name][-1].item() ** (1 / T_long):>10.2f}")
print("\n".join(table))  # one print: the stored output must not depend on when the kernel flushes

# %%
fig, axes = plots.plt.subplots(1, 2, figsize=(11, 3.6))
plots.curves({f"singular values of {k}": v for k, v in spectra.items()}, x=range(1, H + 1), hline=1.0,
             hline_label="1", title="Spectrum of W_hh (특이값, singular values)", xlabel="index (largest first)",
             ylabel="singular value", ax=axes[0])
plots.curves({f"tanh RNN, {k}": v.log10() for k, v in products.items()}, x=range(1, T_long + 1), hline=0.0,
             hline_label="σ = 1", title="σ_max of the Jacobian product J_t ⋯ J_1", xlabel="steps t",
             ylabel=r"$\log_{10}\sigma_{\max}$", ax=axes[1])
fig.tight_layout()

# %% [markdown]
# **What the numbers say.** At the default initialisation $\sigma_{\max}(W_{hh})$ is a little above 1, so a single step
# does not guarantee shrinkage; but $\rho(W_{hh})$ is well below 1 and the states are small, so $\tanh' \approx 1$, and
# the product falls by about $\rho$ per step, the same factor as the gradient norm of section 3. Multiply $W_{hh}$
# by 3 and $\rho$ exceeds 1: the states saturate (the mean $\tanh'$ drops), yet the product **grows** with every step.
# That is the exploding gradient (기울기 폭발): the same mechanism with a factor above one.
#
# ## 5. Exploding gradients and clipping by norm
# An exploding gradient makes one update so large that it throws the weights far away, where gradients are larger
# still. The cure is **clipping by norm**: measure the norm $\lVert g\rVert$ of all gradients together and, if it
# exceeds a limit $c$, scale them all by $c / \lVert g\rVert$. The direction is kept; only the step length is capped.
#
# `course_lib.gradients.clip_grad_norm_` does this for a model's parameters and returns the norm measured **before**
# clipping. One gradient of the tanh RNN with $3\times W_{hh}$ (as a whole model: `AddingRegressor`, the regressor
# of section 6), before and after, and the same clip by `torch.nn.utils.clip_grad_norm_`:

# %%
def exploding_model():
    """An adding-problem regressor whose tanh RNN has 3 × its default W_hh, seeded."""
    torch.manual_seed(0)
    model = AddingRegressor("tanh", H)
    with torch.no_grad():
        model.rnn.weight_hh_l0.mul_(3)
    return model


model = exploding_model()
x, y = adding_problem(64, LENGTH, seed=2)
F.mse_loss(model(x), y).backward()
copies = [torch.zeros_like(p, requires_grad=True) for p in model.parameters()]
for copy, p in zip(copies, model.parameters(), strict=True):
    copy.grad = p.grad.clone()
norm_before = clip_grad_norm_(model.parameters(), 1.0)
norm_after = torch.cat([p.grad.flatten() for p in model.parameters()]).norm()
torch.nn.utils.clip_grad_norm_(copies, 1.0)
print(f"gradient norm before clipping {norm_before:.1f}, after {norm_after:.3f}; same as torch's clip: "
      f"{all(torch.allclose(c.grad, p.grad) for c, p in zip(copies, model.parameters(), strict=True))}")

# %% [markdown]
# Now train that model on the adding problem (length 40) with plain SGD (learning rate 0.05) for 60 steps, once
# without clipping and once clipping at $c = 1$:

# %%
def train_sgd(max_norm, steps=60, lr=0.05):
    """SGD on the adding problem from the 3 × W_hh tanh RNN; return the losses and gradient norms."""
    model = exploding_model()
    g, batches = torch.Generator().manual_seed(0), adding_batches(LENGTH)
    losses, norms = [], []
    for _ in range(steps):
        x, y = batches(g)
        loss = F.mse_loss(model(x), y)
        model.zero_grad()
        loss.backward()
        norms.append(clip_grad_norm_(model.parameters(), max_norm).item())  # scales the .grad in place
        losses.append(loss.item())
        with torch.no_grad():
            for p in model.parameters():
                p.add_(p.grad, alpha=-lr)  # θ ← θ − lr·g, the whole of SGD (torch.optim.SGD does the same)
    return np.array(losses), np.array(norms)


sgd = {"no clipping": train_sgd(math.inf), "clipped at 1": train_sgd(1.0)}
for name, (losses, norms) in sgd.items():
    bad = np.flatnonzero(~np.isfinite(losses))
    print(f"{name:<13} loss at step 1: {losses[0]:.2f}, step 20: {losses[19]:.3g}, step {len(losses)}: {losses[-1]:.3g} | "
          f"largest finite gradient norm {np.max(norms[np.isfinite(norms)]):.3g} | loss not finite from step {bad[0] + 1 if bad.size else '-'}")

# %%
def log10_finite(values):
    """log10 of the finite entries; inf and NaN become gaps in the plot."""
    return np.log10(np.where(np.isfinite(values), values, np.nan))


fig, axes = plots.plt.subplots(1, 2, figsize=(11, 3.6))
steps = range(1, len(sgd["no clipping"][0]) + 1)
plots.curves({name: log10_finite(losses) for name, (losses, _) in sgd.items()}, x=steps, hline=np.log10(BASELINE_MSE),
             hline_label="predict the mean (1/6)", title="Training loss, tanh RNN with 3 × W_hh (SGD)",
             xlabel="step", ylabel=r"$\log_{10}$ MSE", ax=axes[0])
plots.curves({name: log10_finite(norms) for name, (_, norms) in sgd.items()}, x=steps, hline=0.0,
             hline_label="clip limit c = 1", title="Gradient norm before clipping", xlabel="step",
             ylabel=r"$\log_{10}\|g\|$", ax=axes[1])
fig.tight_layout()

# %% [markdown]
# **What the numbers say.** Both runs start from the same weights and see the same batches. Without clipping, each
# SGD step is $0.05\,\lVert g\rVert$ long; as the weights grow the next gradient is larger, and before the end the
# loss is no longer a finite number. With clipping, no step is longer than $0.05 \cdot 1$, and the loss stays finite.
# Note what clipping did **not** do: the clipped run ends near the level of predicting the mean, not below it.
# Clipping tames exploding gradients; it does nothing for vanishing ones, which is why the lecture needs three tricks.
#
# ## 6. The three tricks, measured on the adding problem
# The lecture's tricks against 기울기 소실:
# - **Trick #1, activation functions**: ReLU, whose $f' = 1$ for $x > 0$ does not shrink the gradient;
# - **Trick #2, parameter initialisation**: $W_{hh} = I$ (the identity matrix) and zero biases, so that at the start
#   $h_t = \mathrm{ReLU}(h_{t-1} + W_{xh} x_t)$ keeps the old state and adds the new input, and the gradient passes
#   back unchanged through every unit that is on; with #1 this is the **IRNN**;
# - **Trick #3, gated cells**: the LSTM and the GRU (notebooks 06 and 07), whose gates choose what to add and what
#   to keep.
#
# Three models, one per idea: the tanh RNN, the IRNN (#1 + #2) and the LSTM (#3; notebook 07 trains the GRU on the
# same task). All three use `course_lib.long_range.AddingRegressor`: the course's own recurrent layer of hidden size 64
# (`course_lib.rnn.RNN`, `course_lib.lstm.LSTM`, each proven equal to torch's) and a linear
# read-out of the last state. `train_adding` trains with Adam (learning rate 1e-2; 1e-3 for the IRNN, whose ReLU
# state has no upper bound), a fresh batch of 64 sequences per step, the gradient norm clipped at 1, and measures the
# test MSE on the fixed 1000 test sequences every 100 steps. Length 40; a fixed number of steps per model, chosen to
# keep this notebook short. The three trainings share nothing, so `course_lib.parallel.train_in_parallel` runs them
# at the same time, one process per model on your cores (on Linux; elsewhere one after the other), with exactly the
# results they would have one after the other.

# %%
plan = {  # name: (kind, steps, learning rate)
    "tanh RNN": ("tanh", 400, 1e-2),
    "IRNN (#1 + #2)": ("irnn", 700, 1e-3),
    "LSTM (#3)": ("lstm", 550, 1e-2),
}
models = {}
for name, (kind, _, _) in plan.items():
    seed_everything(0)
    models[name] = AddingRegressor(kind, H)


def train(name, model):
    """Train one model of the plan (train_in_parallel calls this once per model, each in its own process)."""
    _, steps, lr = plan[name]
    return train_adding(model, LENGTH, steps=steps, lr=lr, eval_every=100, name=name)


runs = train_in_parallel(models, train)  # the three at once, one process each

# %%
print(f"adding problem, length {LENGTH}; always predicting 1.0 scores {baseline_test:.3f} on this test set")
print(f"{'model':<16}{'length':>7}{'steps':>7}{'final test MSE':>16}{'at step 300':>13}{'first step < 0.01':>19}")
for name, run in runs.items():
    at_300 = run.history.metrics["test MSE"][run.history.eval_steps.index(300)]
    print(f"{name:<16}{run.length:>7}{run.steps:>7}{run.test_mse:>16.3f}{at_300:>13.3f}"
          f"{run.steps_to(0.01) or 'never':>19}")

# %% tags=["nbval-ignore-output"]
for name, run in runs.items():
    print(f"{name:<16}{run.seconds:>6.1f} CPU s  ({1000 * run.seconds / run.steps:.1f} ms per step, evaluation included)")

# %%
ax = plots.curves({name: run.history.metrics["test MSE"] for name, run in runs.items()},
                  x=max(runs.values(), key=lambda run: run.steps).history.eval_steps, hline=BASELINE_MSE,
                  hline_label="predict the mean (1/6)", title=f"덧셈 문제 (adding problem), length {LENGTH}",
                  xlabel="training step", ylabel="test MSE")

# %% [markdown]
# **What the numbers say.** The tanh RNN ends where it started, at the score of always predicting 1.0: the first
# marked value lies 20 to 39 steps before the answer is read, and section 3 showed how little gradient survives that
# far. The IRNN, whose gradient keeps its size at initialisation, learns the task. So does the LSTM, even
# though section 3 showed its gradient vanishing at initialisation as fast as the tanh RNN's: the state at
# initialisation does not decide everything, because the gates change as they train (notebook 06 measures how).
# The models got different numbers of steps, so the table also shows each one at step 300, which all reached.
# These are single runs with one seed, and when a gated cell leaves its plateau varies from seed to seed, so
# read the steps as one example, not as a ranking of the tricks.
#
# ## Summary
# - 기울기 소실 문제: the gradient reaching $h_t$ is a product of one Jacobian
#   $\operatorname{diag}(1-h_s^2)\,W_{hh}$ per later step. Measured at initialisation, it shrinks by a roughly constant
#   factor per step for the tanh RNN, and so for the LSTM and GRU at their default initialisation.
# - Why: $\tanh' \le 1$, and the product of $W_{hh}$'s shrinks when its spectral radius is below 1 (and surely shrinks
#   when its largest singular value is); a larger $W_{hh}$ makes it grow instead: the exploding gradient.
# - Clipping the gradient norm caps the length of each update and stopped the blow-up; it does not fix vanishing.
# - The tricks, measured: ReLU alone did not keep the gradient; ReLU with identity initialisation (IRNN) did, and it
#   learnt the adding problem where the tanh RNN stayed at the baseline; the gated cells learnt it too.
#
# ## Exercises
# **Exercise 1 (3 points).** The gradient through time. A tanh RNN produced hidden states `hs (B, T, H)`
# ($h_1 \dots h_T$) with recurrent weights `W_hh (H, H)`; the loss depends on $h_T$ only, and `dh_T (B, H)` is
# $\partial L/\partial h_T$. Write `grad_through_time(dh_T, hs, W_hh)` in NumPy: return an array `(B, T, H)` whose
# index $t-1$ holds $\partial L/\partial h_t$ (so the last entry is `dh_T` itself). Use
# $\frac{\partial L}{\partial h_{t-1}} = \left(\frac{\partial L}{\partial h_t} \odot (1 - h_t^2)\right) W_{hh}$ on row vectors.

# %% nbgrader={"grade": false, "grade_id": "grad_through_time_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def grad_through_time(dh_T, hs, W_hh):
    ### BEGIN SOLUTION
    grads = np.empty_like(hs)
    grads[:, -1] = dh_T
    for t in range(hs.shape[1] - 1, 0, -1):
        grads[:, t - 1] = (grads[:, t] * (1 - hs[:, t] ** 2)) @ W_hh
    return grads
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "grad_through_time_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_grad_through_time

check_grad_through_time(grad_through_time)

# %% [markdown]
# **Exercise 2 (2 points).** Clipping by global norm. Given the three gradients of a tanh RNN, `dW_xh (H, I)`,
# `dW_hh (H, H)` and `db (H,)`, and a limit `max_norm`, write `clip_by_global_norm(dW_xh, dW_hh, db, max_norm)`
# returning `(dW_xh, dW_hh, db, total_norm)`: `total_norm` is the norm of all entries of the three together,
# measured before clipping (a float); if it exceeds `max_norm`, all three are scaled by `max_norm / total_norm`,
# otherwise they come back unchanged. Return new arrays; do not modify the inputs.

# %% nbgrader={"grade": false, "grade_id": "clip_by_global_norm_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def clip_by_global_norm(dW_xh, dW_hh, db, max_norm):
    ### BEGIN SOLUTION
    total_norm = float(np.sqrt(np.sum(dW_xh**2) + np.sum(dW_hh**2) + np.sum(db**2)))
    scale = min(1.0, max_norm / total_norm) if total_norm > 0 else 1.0
    return dW_xh * scale, dW_hh * scale, db * scale, total_norm
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "clip_by_global_norm_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_clip_by_global_norm

check_clip_by_global_norm(clip_by_global_norm)

# %% [markdown]
# **Think further (not graded).** Section 3 measured the gradient at initialisation only. The trained LSTM of
# section 6 is `models["LSTM (#3)"].rnn`; copy its weights into an `LSTMCell` (`weight_ih_l0` → `weight_ih`, and so on),
# and measure its per-step factor with `hidden_state_grad_norms`. Why would you expect it to differ from the 0.63 it
# had at the start?
#
# **Next:** [06 · LSTM (Long Short Term Memory)](06_lstm.ipynb) — the gated cell from primitives, its four steps, and
# the cell state as a path that keeps the gradient alive.
