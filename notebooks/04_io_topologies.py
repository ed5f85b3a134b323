# %% [markdown]
# # 04 · 입력/출력층에 따른 종류 — One recurrent layer, five ways to wire its inputs and outputs
#
# **After this notebook you will be able to**
# - name the five topologies by what goes in and what comes out — 일 대 일 (one-to-one), 일 대 다 (one-to-many),
#   다 대 일 (many-to-one), 다 대 다 (many-to-many, aligned) and 인코더–디코더 (encoder–decoder, seq2seq) — and
#   give each one's input and output shapes;
# - start a decoder from a vector (이미지 → 텍스트), train it with **teacher forcing** and run it with **greedy decoding**;
#   and write a width-2 **beam search** that keeps two hypotheses instead of one (the main exercise);
# - read a padded batch of sentences from each sentence's last *valid* state (텍스트 → 이미지, 텍스트 → 라벨);
# - tag every word of a sentence with one output per input step;
# - build an encoder–decoder whose **context stays fixed** while the decoder's state moves on, and use it to
#   translate "그래서 공부를 했다" ↔ "so I studied" (텍스트 → 텍스트);
# - say what a test holds out, and check whether a model generalises to it.

# %% [markdown]
# The lecture's slide **입력/출력층에 따른 종류** (kinds of RNN by their input and output layers) gives three
# examples: 이미지 → 텍스트 (image to text, 일 대 다: one-to-many), 텍스트 → 이미지 (text to image) and
# 텍스트 → 텍스트 (text to text), with the sentence "그래서 공부를 했다" (so I studied).
# The recurrent layer is the one of notebook 02 in every case; only what is fed in and what is read out change.

# %%
import copy
import itertools

import torch
import torch.nn.functional as F

from course_lib import plots
from course_lib.data import BOS, EOS, TAGS, Vocab, english_vocab, korean_vocab
from course_lib.evidence import claim, seed_table, spread, verdict
from course_lib.gru import GRU
from course_lib.heldout import split_of
from course_lib.lstm import LSTM
from course_lib.padding import last_valid, lengths_from_padding, pad_batch
from course_lib.parallel import train_in_parallel
from course_lib.rnn import RNN
from course_lib.shape_scenes import (CAPTION_GLOSSES, SHAPE_NAMES, SHAPE_WORDS, caption_words, draw_shape,
                                     english_caption, shape_scenes)
from course_lib.tasks import ACTIVITY_NAMES, role_tagging, translation_split, which_came_first
from course_lib.topologies import (ManyToMany, ManyToOne, OneToMany, OneToOne, Seq2Seq, TupleInput, initial_state,
                                   sequence_accuracy, sequence_loss, shift_right, teacher_forcing)
from course_lib.training import accuracy, fit, sample_batches, seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)
SEEDS = (0, 1, 2)  # where two models are compared, each is trained at these three seeds

# %% [markdown]
# ## 1. Five wirings of one recurrent layer
# Red boxes are inputs, green boxes the recurrent state $h_t$, blue boxes outputs; time runs left to right.
# - **일 대 일 (one-to-one)**: no time axis at all, a plain MLP. It is here for comparison.
# - **일 대 다 (one-to-many)**: one vector in (an image), a sequence out (a caption). The vector sets the first
#   state; each later step reads the word it wrote before (dotted arrows).
# - **다 대 일 (many-to-one)**: a sequence in (a sentence), one answer out (a label, or an image) from the last state.
# - **다 대 다 (many-to-many, aligned)**: one output per input step, e.g. the role of every word.
# - **인코더–디코더 (encoder–decoder)**: a sequence in, a sequence of *another* length out (a translation).
#   The encoder's last state becomes the context **c**, which every decoder step reads.

# %% tags=["subslide"]
fig = plots.draw_topologies()
fig.set_size_inches(12, 3.4)  # the slide's width, so its labels are not scaled down
for ax in fig.axes:  # drawings, not plots: no ticks
    ax.set(xticks=[], yticks=[])
fig.axes[-1].lines[0].set_ydata([0, 0.15])  # the encoder | decoder divider between the two labels, off the arrows

# %% [markdown]
# `course_lib.topologies` has one small module per picture. Each recurrent one takes the layer class as
# `cell=`: the course's `RNN`, `LSTM` or `GRU` (or torch's). Here are the shapes each one takes and gives,
# with B = 2 sentences of T = 5 words, a vocabulary of 20 words and 64-pixel images:

# %%
x, words = torch.randn(2, 64), torch.randint(4, 20, (2, 5))
models = {
    "one-to-one": lambda cell: OneToOne(64, 16, 3)(x),
    "one-to-many": lambda cell: OneToMany(64, 20, 8, 16, cell=cell)(x, words[:, :4]),
    "many-to-one": lambda cell: ManyToOne(20, 8, 16, 64, cell=cell)(words),
    "many-to-many": lambda cell: ManyToMany(20, 8, 16, 6, cell=cell)(words),
    "encoder-decoder": lambda cell: Seq2Seq(20, 30, 8, 16, cell=cell)(words, words[:, :4]),
}
inputs = ["x (2, 64)", "x (2, 64), words (2, 4)", "words (2, 5)", "words (2, 5)", "words (2, 5), (2, 4)"]
print(f"{'topology':<17}{'input':<26}{'output (RNN)':<14}same with LSTM and GRU")
for (name, run), given in zip(models.items(), inputs, strict=True):
    shapes = [tuple(run(cell).shape) for cell in (RNN, LSTM, GRU)]
    print(f"{name:<17}{given:<26}{str(shapes[0]):<14}{shapes[0] == shapes[1] == shapes[2]}")

# %% [markdown]
# An LSTM carries two tensors, $(h, c)$, where the RNN and the GRU carry $h$ alone. The models never look
# inside: `initial_state(layer, h)` builds whichever the layer wants, here from a (2, 16) vector. For an LSTM
# it sets $h_0 = h$ and $c_0 = 0$: only $h$ is handed over.

# %%
for cell in (RNN, LSTM):
    state = initial_state(cell(8, 16, batch_first=True), torch.zeros(2, 16))
    print(cell.__name__, [tuple(s.shape) for s in state] if isinstance(state, tuple) else tuple(state.shape))

# %% [markdown]
# The course's layers are drop-ins for torch's, so the same model built on `torch.nn.GRU` with the same
# weights gives the same answers (float64):

# %%
ours = OneToMany(64, 20, 8, 16, cell=GRU).double()
theirs = OneToMany(64, 20, 8, 16, cell=torch.nn.GRU).double()
theirs.load_state_dict(ours.state_dict())
x64 = x.double()
verdict("OneToMany on the course GRU vs on torch.nn.GRU", ours(x64, words), theirs(x64, words), atol=1e-12)

# %% [markdown]
# ## 2. Small images that come with a sentence
# The course draws its own 8×8 "images" (no downloads): a 원 (circle), 네모 (square) or 세모 (triangle), 큰 (big)
# or 작은 (small), in one corner. Each comes with a Korean caption such as "왼쪽 위에 큰 원이 있다"
# ("there is a big circle at the top left"). What a model sees is noisy, and a small shape may sit one pixel off.

# %% [markdown]
# There are only 24 scenes (3 shapes × 2 sizes × 4 corners). Five of them are **held out**
# (`split="test"`): no model below sees them in training, in any word order. So there are two kinds of test:
# **new images of the 19 training scenes** (the noise and the jitter are new, the scenes are not), and
# **the 5 held-out scenes**, which ask whether a model can combine a shape, a size and a corner it has only seen
# apart.

# %%
train_scenes = shape_scenes(2000, noise=0.2, jitter=True, split="train", seed=0)
new_images = shape_scenes(500, noise=0.2, jitter=True, split="train", seed=1)  # new noise and jitter
held_scenes = shape_scenes(500, noise=0.2, jitter=True, split="test", seed=1)  # never seen in training
held_out_captions = sorted({" ".join(c) for c in held_scenes.captions})
print("held-out scenes:", *held_out_captions, sep="\n  ")
claim("no held-out scene occurs in training",
      not set(held_out_captions) & {" ".join(c) for c in train_scenes.captions})


def show_image(ax, image, words):
    """One 8x8 image, dark = 1, titled with its caption on two lines."""
    title = " ".join(words[:2]) + "\n" + " ".join(words[2:])
    ax = plots.heatmap(image.reshape(8, 8), ax=ax, cmap="gray_r", colorbar=False, title=title)
    ax.set(xticks=[], yticks=[], aspect="equal")


# %% tags=["subslide"]
fig, axes = plots.plt.subplots(1, 5, figsize=(11, 2.9), layout="constrained")
for ax, image, caption in zip(axes, train_scenes.images, train_scenes.captions, strict=False):
    show_image(ax, image, caption)
for caption in train_scenes.captions[:5]:
    print(" ".join(caption), "→", english_caption(caption))

# %% [markdown]
# ## 3. 일 대 일 (one-to-one): image → shape
# A plain MLP reads the 64 pixels at once and names the shape. There is no sequence on either side, so no
# recurrence is needed. Below we compare it with the captioner of section 4, so both get the same budget:
# 300 steps of Adam at learning rate 1e-2 on batches of 64, at each of 3 seeds (initial weights and batch
# stream), trained side by side by `train_in_parallel`.

# %%
X, X_new, X_held = (s.images.flatten(1) for s in (train_scenes, new_images, held_scenes))
mlps = {}
for seed in SEEDS:
    torch.manual_seed(seed)
    mlps[seed] = OneToOne(64, 32, len(SHAPE_NAMES))


def train_mlp(seed, mlp):
    """Train one MLP (train_in_parallel calls this once per seed, each in its own process)."""
    return fit(mlp, sample_batches(X, train_scenes.labels, 64), steps=300, lr=1e-2, seed=seed, progress=False)


_ = train_in_parallel(mlps, train_mlp)
with torch.no_grad():
    mlp_right = {s: mlps[s](X_new).argmax(-1) == new_images.labels for s in SEEDS}  # (500,) per seed
one_to_one_accuracy = spread(mlp_right[s].float().mean() for s in SEEDS)

# %% tags=["nbval-ignore-output"]
print(f"shape accuracy on 500 new images of the training scenes: {one_to_one_accuracy:.3f} (chance 0.33)")
claim("the MLP names the shape of at least 85 % of new images, at every seed", one_to_one_accuracy.lo >= 0.85,
      accuracy=one_to_one_accuracy)

# %% [markdown]
# ## 4. 일 대 다 (one-to-many): 이미지 → 텍스트
# Now the answer is a *sentence*. `OneToMany` turns the image into the decoder's first state,
# $h_0 = \tanh(W x + b)$, and then the decoder writes one word per step; every step reads the previous word.
# Each caption ends with `<eos>` so the decoder can say that it is done.
#
# Which "previous word" do we feed? Two answers:
# - **Teacher forcing** (training): feed the *true* previous word. The decoder input is the target shifted
#   right by one, with `<bos>` in front, so every step learns from a correct history:

# %%
caption_vocab = Vocab(CAPTION_GLOSSES)
bos, eos = caption_vocab.stoi[BOS], caption_vocab.stoi[EOS]


def encode_captions(captions):
    return pad_batch([caption_vocab.encode([*c, EOS]) for c in captions])


Y, Y_new, Y_held = (encode_captions(s.captions) for s in (train_scenes, new_images, held_scenes))
print("target       :", caption_vocab.decode(Y[0], strip_specials=False))
print("decoder input:", caption_vocab.decode(shift_right(Y[:1], bos)[0], strip_specials=False))

# %% [markdown]
# - **Greedy decoding** (use): there is no true word any more, so feed the decoder's own best guess, the
#   argmax of its logits, until it writes `<eos>`.
#
# Inside `OneToMany` there is little more than that: its first step, written out from the model's own parts
# (`init`, `embed`, `rnn`, `out`), gives exactly the model's scores for the first word.

# %%
captioners = {}
for seed in SEEDS:
    torch.manual_seed(seed)
    captioners[seed] = OneToMany(64, len(caption_vocab), 16, 32, cell=GRU)
captioner = captioners[0]  # not trained yet: what we check here is the wiring
start = torch.full((4, 1), bos)  # <bos> for 4 images
with torch.no_grad():
    h0 = torch.tanh(captioner.init(X[:4]))  # (4, H): the image sets the first state
    out, h1 = captioner.rnn(captioner.embed(start), h0.unsqueeze(0))  # one step that reads <bos>
    by_hand = captioner.out(out[:, 0])  # (4, V): scores for the first word
    verdict("first caption step by hand vs OneToMany", by_hand, captioner(X[:4], start)[:, 0], atol=1e-6)

# %% [markdown]
# Training runs all steps of the teacher-forced decoder in one call of the recurrent layer. That one call is
# exactly the step-by-step loop `teacher_forcing(step, state, targets, bos)`, which feeds `<bos>`, then
# `targets[:, t-1]` at step t:

# %%
with torch.no_grad():
    one_call = captioner(X[:4], shift_right(Y[:4], bos))
    step_by_step = teacher_forcing(captioner.step, captioner.start(X[:4]), Y[:4], bos)
verdict("one call vs the step-by-step loop", one_call, step_by_step, atol=1e-6)

# %% [markdown]
# `fit` calls `model(x)` with one input; `TupleInput` unpacks ((image, decoder input), target) batches for it.
# The loss is the cross-entropy over every caption word (`sequence_loss`, which skips `<pad>`). The same
# budget as the MLP: 300 steps, learning rate 1e-2, batches of 64, 3 seeds.


# %%
def caption_batches(g):
    idx = torch.randint(len(X), (64,), generator=g)
    return (X[idx], shift_right(Y[idx], bos)), Y[idx]


def train_captioner(seed, captioner):
    """Train one captioner (train_in_parallel calls this once per seed, each in its own process)."""
    return fit(TupleInput(captioner), caption_batches, steps=300, lr=1e-2, loss_fn=sequence_loss, seed=seed,
               progress=False)


_ = train_in_parallel(captioners, train_captioner)
with torch.no_grad():
    generated = {s: captioners[s].generate(X_new, bos_index=bos, eos_index=eos, max_len=8) for s in SEEDS}
caption_scores = {s: sequence_accuracy(generated[s], Y_new) for s in SEEDS}  # (word accuracy, exact)
caption_words_right = spread(caption_scores[s][0] for s in SEEDS)
caption_exact = spread(caption_scores[s][1] for s in SEEDS)

# %% tags=["nbval-ignore-output"]
print("greedy captions of 500 new images of the training scenes (3 seeds):")
print(f"  word accuracy {caption_words_right:.3f}, whole caption right {caption_exact:.3f}")
claim("the captioner writes at least 85 % of the captions exactly, at every seed", caption_exact.lo >= 0.85,
      exact=caption_exact)

# %% tags=["subslide", "nbval-ignore-output"]
fig, axes = plots.plt.subplots(1, 5, figsize=(11, 3.1), layout="constrained")
for ax, image, tokens, truth in zip(axes, X_new, generated[0], new_images.captions, strict=False):
    said = caption_vocab.decode(tokens)
    show_image(ax, image, said + ([] if said == truth else ["(틀림, wrong)"]))
    line = f"{' '.join(said):<20} ({english_caption(said)})"
    print(line if said == truth else f"{line}   truth: {' '.join(truth)}")

# %% [markdown]
# **One-to-one or one-to-many: who names the shape better?** A caption is right only if its shape word is, so
# the fair comparison is the MLP's shape against the captioner's *shape word*, at the same budget. We split
# both by the size of the shape:

# %%
shape_word = torch.tensor([caption_vocab.stoi[SHAPE_WORDS[name]] for name in SHAPE_NAMES])
at = 3  # the shape word's position in "왼쪽 위에 큰 원이 있다"
caption_right = {s: generated[s][:, at] == shape_word[new_images.labels] for s in SEEDS}
big = torch.tensor([c[2] == "큰" for c in new_images.captions])


def by_size(right):
    """{metric: Spread over seeds} of one model's per-image right/wrong."""
    return {"all shapes": spread(right[s].float().mean() for s in SEEDS),
            "big shapes": spread(right[s][big].float().mean() for s in SEEDS),
            "small shapes": spread(right[s][~big].float().mean() for s in SEEDS)}


shape_table = {"one-to-one MLP": by_size(mlp_right), "one-to-many GRU, shape word": by_size(caption_right)}

# %% tags=["subslide", "nbval-ignore-output"]
seed_table(shape_table, spec=".3f", first="shape right, 3 seeds")

# %%
gap = [abs(mlp_right[s].float().mean() - caption_right[s].float().mean()).item() for s in SEEDS]
claim("at the same budget, the two name the shape equally well within 0.05, at every seed", max(gap) <= 0.05, gap=gap)
claim("on big shapes both are right at least 95 % of the time, at every seed",
      min(t["big shapes"].lo for t in shape_table.values()) >= 0.95, **{k.split()[0]: t for k, t in shape_table.items()})
claim("both are right less often on small shapes than on big ones, at every seed",
      all(r[s][~big].float().mean() < r[s][big].float().mean() for r in (mlp_right, caption_right) for s in SEEDS))

# %% [markdown]
# So at the same budget neither topology names the shape clearly better (within 0.05 at every seed): both see the
# same pixels, and both make their mistakes on the small shapes, 3×3 marks that the noise and one pixel of jitter
# can make look alike. (A whole caption needs its shape word *and* the other words right, so its exact rate can
# never beat the captioner's own shape accuracy: compare shape with shape.)

# %% [markdown]
# ## 5. 다 대 일 (many-to-one): 텍스트 → 이미지
# The other way round: read a caption word by word and answer once, with 64 pixel values from the last state.
# Captions now come in both Korean word orders ("왼쪽 위에 큰 원이 있다" and "큰 원이 왼쪽 위에 있다" say the
# same), so the model must read the whole sentence. Each pixel is a yes/no question: binary cross-entropy.
# The painter trains on the 19 training scenes (38 captions) at 3 seeds.

# %%
caption_scenes = shape_scenes(2000, mixed_order=True, split="train", seed=2)
C = pad_batch([caption_vocab.encode(c) for c in caption_scenes.captions])
painters = {}
for seed in SEEDS:
    torch.manual_seed(seed)
    painters[seed] = ManyToOne(len(caption_vocab), 16, 32, 64, cell=RNN)


def train_painter(seed, painter):
    """Train one painter (train_in_parallel calls this once per seed, each in its own process)."""
    return fit(painter, sample_batches(C, caption_scenes.clean.flatten(1), 64), steps=300, lr=1e-2,
               loss_fn=F.binary_cross_entropy_with_logits, seed=seed, progress=False)


_ = train_in_parallel(painters, train_painter)

# %% [markdown]
# A caption has exactly one right drawing, so "new images" mean nothing here: the test is the 10 captions of the
# 5 held-out scenes, beside the 38 training captions. A pixel is drawn where the model's logit is positive.

# %%
every = list(itertools.product(SHAPE_NAMES, ("큰", "작은"), (0, 1), (0, 1), (False, True)))
parts = {part: [s for s in every if split_of(caption_words(*s[:4])) == part] for part in ("train", "test")}
truth = {part: torch.stack([draw_shape(*s[:4]) for s in scenes]).flatten(1) for part, scenes in parts.items()}


def corner_mask(row, col):
    """(64,) ones inside the quadrant (row, col), zeros elsewhere."""
    return F.pad(torch.ones(4, 4), (4 * col, 4 - 4 * col, 4 * row, 4 - 4 * row)).flatten()


corner = {part: torch.stack([corner_mask(r, c) for _, _, r, c, _ in scenes]) for part, scenes in parts.items()}
print({part: len(scenes) for part, scenes in parts.items()}, "captions")
drawn = {}
for s in SEEDS:
    for part, scenes in parts.items():
        with torch.no_grad():
            codes = pad_batch([caption_vocab.encode(caption_words(*scene)) for scene in scenes])
            drawn[s, part] = (painters[s](codes) > 0).float()  # (captions, 64)

# %% [markdown]
# For the held-out captions we ask: is the drawing exactly right? Is its ink in the corner the caption names?
# Which of the 24 scenes is it nearest to (fewest pixels different): the held-out scene itself, i.e. did the
# painter at least *lean* towards the new combination, or a training scene in that corner?

# %%
scenes24 = list(itertools.product(SHAPE_NAMES, ("큰", "작은"), (0, 1), (0, 1)))
all_scenes = torch.stack([draw_shape(*scene) for scene in scenes24]).flatten(1)  # (24, 64)
seen_there = torch.tensor([[split_of(caption_words(*n)) == "train" and n[2:] == h[2:4] for n in scenes24]
                           for h in parts["test"]])  # (10, 24): scene n was trained, in caption h's corner


def painter_scores(s):
    d, t, c = drawn[s, "test"], truth["test"], corner["test"]
    nearest = torch.cdist(d, all_scenes, p=1).argmin(1)  # (10,): the scene nearest to each drawing
    return {"train exact": (drawn[s, "train"] == truth["train"]).all(1).float().mean(),
            "held-out exact": (d == t).all(1).float().mean(),
            "ink in corner": (d * c).sum() / d.sum().clamp(min=1),
            "nearest=truth": (all_scenes[nearest] == t).all(1).float().mean(),
            "nearest=seen there": (seen_there[torch.arange(len(d)), nearest] & (d.sum(1) > 0)).float().mean()}


painter_table = {k: spread(painter_scores(s)[k] for s in SEEDS) for k in painter_scores(0)}

# %% tags=["subslide", "nbval-ignore-output"]
seed_table({k: {"painter (RNN), 3 seeds": v} for k, v in painter_table.items()}, spec=".2f", first="share of captions")

# %%
claim("it draws at least 95 % of the training captions exactly, at every seed",
      painter_table["train exact"].lo >= 0.95, painter=painter_table)
claim("it draws at most 1 of the 10 held-out captions exactly, at every seed",
      painter_table["held-out exact"].hi <= 0.1, painter=painter_table)
claim("at most 2 of the 10 held-out drawings are nearest to their own scene, at every seed",
      painter_table["nearest=truth"].hi <= 0.2, painter=painter_table)
claim("at least 80 % of its ink on held-out captions lies in the corner the caption names, at every seed",
      painter_table["ink in corner"].lo >= 0.8, painter=painter_table)
claim("at least half of those drawings are nearest to a training scene in that corner, at every seed",
      painter_table["nearest=seen there"].lo >= 0.5, painter=painter_table)

# %% [markdown]
# The painter does **not** compose an unseen scene. It learnt *where* (its ink lands in the named corner), but
# what it draws there is mostly a shape it saw in that corner in training, not the one the caption asks for
# (and a few drawings are nearly blank). Top row: the held-out scene; bottom row: what the painter of seed 0
# draws for its caption.

# %% tags=["subslide"]
fig, axes = plots.plt.subplots(2, 5, figsize=(9, 4.3), layout="constrained")
for j, i in enumerate(range(0, 10, 2)):  # each held-out scene once, in the usual word order
    words = caption_words(*parts["test"][i])
    show_image(axes[0, j], truth["test"][i], words)
    show_image(axes[1, j], drawn[0, "test"][i], ["그린 그림", "(drawn)"])

# %% [markdown]
# The image readers of sections 3 and 4 were trained on the same 19 scenes. Do *they* recognise a held-out
# scene? The MLP must name a shape in a corner and size where it never saw that shape; the captioner must write a
# caption it never wrote.

# %%
with torch.no_grad():
    mlp_held = spread(accuracy(mlps[s](X_held), held_scenes.labels) for s in SEEDS)
    said = {s: captioners[s].generate(X_held, bos_index=bos, eos_index=eos, max_len=8) for s in SEEDS}
said = {s: F.pad(t, (0, Y_held.shape[1] - t.shape[1]))[:, : Y_held.shape[1]] for s, t in said.items()}
others = (Y_held != 0) & (torch.arange(Y_held.shape[1]) != at)  # every word but the shape word, and <eos>
held_shape_word = spread((said[s][:, at] == Y_held[:, at]).float().mean() for s in SEEDS)
held_other_words = spread((said[s] == Y_held)[others].float().mean() for s in SEEDS)

# %% tags=["nbval-ignore-output"]
print(f"held-out scenes, 3 seeds: MLP shape {mlp_held:.2f} (chance 0.33); captioner: shape word {held_shape_word:.2f},"
      f" the other words {held_other_words:.2f}")

# %%
claim("on held-out scenes the MLP names the shape of fewer than 65 % of images, at every seed",
      mlp_held.hi < 0.65, mlp=mlp_held)
claim("the captioner gets the shape word of at most 25 % of them right, at every seed",
      held_shape_word.hi <= 0.25, shape_word=held_shape_word)
claim("yet it gets at least 90 % of the other words (corner, size, 있다, <eos>) right, at every seed",
      held_other_words.lo >= 0.9, other_words=held_other_words)

# %% [markdown]
# The same picture from the image side: the captioner writes the corner and the size of an unseen scene but
# hardly ever its shape, and the MLP, which only names shapes, is right on fewer than 65 % of them. Nothing in 19
# examples told these small models that shape, size and corner combine freely; they learnt 19 combinations. The
# image numbers in section 8 are therefore on new images of the training scenes; this section is what they do
# *not* promise.

# %% [markdown]
# ### Padding: answer from the last *valid* state
# Sentences differ in length, and a batch pads the short ones with `<pad>` at the end. A many-to-one model
# must answer from each sentence's **last valid step**, `outputs[b, lengths[b] - 1]`, not from the last column,
# where a short sentence has already read some `<pad>`s. The task of notebook 01 shows it: "[어제] A 그래서 B"
# → which activity came first, with 0 to 2 time words in front, so lengths vary within a batch. Training draws
# its sentences from `split="train"`, the test from `split="test"`: no test sentence (without its time words)
# occurs in training. One reader per cell, trained side by side, 200 steps each at learning rate 1e-2.

# %%
ko = korean_vocab()
sentences, labels = which_came_first(2000, time_words=(0, 2), split="train", seed=0)
test_sentences, test_labels = which_came_first(500, time_words=(0, 2), split="test", seed=1)
S = pad_batch([ko.encode(s) for s in sentences])
S_test = pad_batch([ko.encode(s) for s in test_sentences])
print("lengths in one test batch:", lengths_from_padding(S_test[:8]).tolist())
claim("no test sentence occurs in training, time words aside",
      not {tuple(s[-5:]) for s in test_sentences} & {tuple(s[-5:]) for s in sentences})
readers = {}
for cell in (RNN, LSTM, GRU):
    torch.manual_seed(0)
    readers[cell.__name__] = ManyToOne(len(ko), 16, 32, len(ACTIVITY_NAMES), cell=cell)
_ = train_in_parallel(readers, lambda name, reader: fit(reader, sample_batches(S, labels, 64), steps=200, lr=1e-2,
                                                         progress=False))

# %% [markdown]
# Inside `ManyToOne`: embed, run the layer over every step, pick each sentence's last valid output, score it.
# Written out from the reader's parts, that is exactly what the model computes. The same trained weights can
# also be read out at the last column; both, on the 500 test sentences:

# %%
shorter = lengths_from_padding(S_test) < S_test.shape[1]
print(f"{shorter.float().mean():.2f} of the test sentences are shorter than the longest one")
readout = {}
for name, reader in readers.items():
    with torch.no_grad():
        outputs, _ = reader.rnn(reader.embed(S_test))  # (B, T, H)
        at_valid = reader.out(last_valid(outputs, lengths_from_padding(S_test)))  # (B, C)
        verdict(f"{name}: by hand vs ManyToOne", at_valid, reader(S_test), atol=1e-6)
        readout[name] = (accuracy(at_valid, test_labels), accuracy(reader.out(outputs[:, -1]), test_labels),
                         accuracy(reader.out(outputs[shorter, -1]), test_labels[shorter]))

# %% tags=["subslide", "nbval-ignore-output"]
print(f"{'cell':<6}{'last valid step':>16}{'last column':>13}{'last column, shorter ones':>27}")
for name, (valid, column, column_short) in readout.items():
    print(f"{name:<6}{valid:>16.3f}{column:>13.3f}{column_short:>27.3f}")
at_last_valid = readout["RNN"][0]

# %%
claim("read at the last valid step, every cell is right on at least 95 % of the test sentences",
      min(r[0] for r in readout.values()) >= 0.95, readout=readout)
claim("read at the last column, the plain RNN is right on fewer than 60 % of the shorter ones",
      readout["RNN"][2] < 0.6, readout=readout)
claim("in this run the LSTM and GRU, read at the last column, still get at least 95 % of the shorter ones",
      min(readout["LSTM"][2], readout["GRU"][2]) >= 0.95, readout=readout)

# %% [markdown]
# Read at the last valid step, every cell is right on at least 95 % of the test sentences. Read at the last
# column, the plain RNN is wrong on many of the sentences that were padded (right on fewer than 60 %): a few
# `<pad>` steps overwrite its state. The gated LSTM and GRU carried their answer
# through the `<pad>` steps in this run, but nothing in their training asked them to; the last valid step is the
# answer by construction (`ManyToOne` always reads it).

# %% [markdown]
# ## 6. 다 대 다 (many-to-many, aligned): a tag for every word
# One output per input step: the role (문장 성분) of every word, SUBJ, OBJ, VERB, CONJ or TIME. We hold out
# 24 sentences of the course corpus (the same ones the translator will not see) and train on the others,
# with 0 to 2 time words in front.

# %%
train_sentences, held_out = translation_split(24, seed=0)
tag_vocab = Vocab(TAGS)
words, tags = role_tagging(train_sentences, 2000, seed=0)
test_words, test_tags = role_tagging(held_out, 500, seed=1)
W, Tags = pad_batch([ko.encode(w) for w in words]), pad_batch([tag_vocab.encode(t) for t in tags])
W_test, Tags_test = pad_batch([ko.encode(w) for w in test_words]), pad_batch([tag_vocab.encode(t) for t in test_tags])
torch.manual_seed(0)
tagger = ManyToMany(len(ko), 16, 32, len(tag_vocab), cell=RNN)
fit(tagger, sample_batches(W, Tags, 64), steps=300, lr=1e-2, loss_fn=sequence_loss, seed=0, desc="many-to-many")
with torch.no_grad():
    predicted_tags = tagger(W_test).argmax(-1)
tag_accuracy, tag_exact = sequence_accuracy(predicted_tags.masked_fill(Tags_test == 0, 0), Tags_test)

# %% tags=["nbval-ignore-output"]
print(f"tags of held-out sentences: per word {tag_accuracy:.3f}, whole sentence right {tag_exact:.3f}")
sentence = "어제 나는 밥을 먹었다 그래서 공부를 했다".split()
with torch.no_grad():
    guess = tagger(torch.tensor([ko.encode(sentence)])).argmax(-1)[0]
print("  ".join(f"{w}/{tag_vocab.itos[t]}" for w, t in zip(sentence, guess.tolist(), strict=True)))
claim("at least 95 % of the held-out words get their right tag", tag_accuracy >= 0.95, per_word=tag_accuracy)

# %% [markdown]
# In this small grammar each word has a single role, so the tag task is easy; what matters here is the shape:
# T words in, T tags out, step t having seen words 1..t only.

# %% [markdown]
# ## 7. 인코더–디코더 (encoder–decoder): 텍스트 → 텍스트
# A translation has its own length ("나는 밥을 먹었다", 3 words → "I ate rice", 3 words; "우리는 영화를 봤다 그래서
# 공부를 했다", 6 words → "we watched a movie so we studied", 7 words) and its own word order, so tagging's
# one-output-per-input cannot work. The **encoder** reads the whole Korean sentence; its last valid state is
# the **context** c. The **decoder** starts from c and writes English word by word, and at *every* step it
# reads [the previous word's embedding; c].
#
# With an LSTM, the encoder hands over **h only**: the context is its last valid $h$, the decoder starts from
# $h_0$ = the context and $c_0 = 0$, and the encoder's cell state is dropped. (Handing over the cell state too is another
# common choice; this course keeps one rule for all three cells.)
#
# The context is computed once and **stays fixed**; only the decoder's own state moves. A classic bug (d2l
# issue #2134) passed the decoder's *updated* state as the context at each step of decoding. We check what
# the decoder layer really receives at each greedy step, with a hook:

# %%
en = english_vocab()
torch.manual_seed(0)
translator = Seq2Seq(len(ko), len(en), 16, 32, cell=LSTM)
received = []
hook = translator.decoder.register_forward_pre_hook(lambda layer, args: received.append(args[0][:, 0, -32:]))
lecture = pad_batch([ko.encode(s.korean) for s in train_sentences[:2]])
with torch.no_grad():
    context = translator.encode(lecture)
    translator.generate(lecture, bos_index=en.stoi[BOS], eos_index=en.stoi[EOS], max_len=6)
hook.remove()
claim(f"all {len(received)} decoder steps read exactly the encoder's context",
      all(torch.equal(r, context) for r in received))

# %% [markdown]
# Here is the decoder's first step written out from the model's parts: the context from the encoder's last
# valid output, the decoder's start state (h = c, cell state 0), and the input `cat([embedding, context])`.
# In float64 it equals what `Seq2Seq` computes:

# %%
s2s = copy.deepcopy(translator).double()
bos_in = torch.full((2, 1), en.stoi[BOS])  # the decoder's first input is <bos>
with torch.no_grad():
    outputs, _ = s2s.encoder(s2s.src_embed(lecture))  # (B, T, H)
    c = last_valid(outputs, lengths_from_padding(lecture))  # (B, H): the context
    start = (c.unsqueeze(0), torch.zeros_like(c).unsqueeze(0))  # LSTM state: h_0 = c, c_0 = 0
    step_in = torch.cat([s2s.tgt_embed(bos_in), c.unsqueeze(1)], dim=2)  # (B, 1, E + H): [embedding; context]
    out, _ = s2s.decoder(step_in, start)
    verdict("first decoder step by hand vs Seq2Seq", s2s.out(out), s2s(lecture, bos_in), atol=1e-12)

# %% [markdown]
# Now train it, Korean → English, on the corpus minus the 24 held-out sentences, then translate the
# lecture's sentences and the held-out ones by greedy decoding. The same code trains English → Korean; the two
# translators train side by side, 250 steps each.


# %%
def train_translator(source, target, src_vocab, tgt_vocab, model, steps=250):
    """Train a Seq2Seq with teacher forcing on the training sentences (source side -> target side)."""
    src = pad_batch([src_vocab.encode(getattr(s, source)) for s in train_sentences])
    tgt = pad_batch([tgt_vocab.encode([*getattr(s, target), EOS]) for s in train_sentences])

    def batches(g):
        idx = torch.randint(len(src), (32,), generator=g)
        return (src[idx], shift_right(tgt[idx], tgt_vocab.stoi[BOS])), tgt[idx]

    return fit(TupleInput(model), batches, steps=steps, lr=1e-2, loss_fn=sequence_loss, seed=0, progress=False)


def translate(model, sentences, source, target, src_vocab, tgt_vocab):
    """Greedy translations (word lists) and (word accuracy, exact match) against the reference."""
    src = pad_batch([src_vocab.encode(getattr(s, source)) for s in sentences])
    ref = pad_batch([tgt_vocab.encode([*getattr(s, target), EOS]) for s in sentences])
    with torch.no_grad():
        out = model.generate(src, bos_index=tgt_vocab.stoi[BOS], eos_index=tgt_vocab.stoi[EOS], max_len=12)
    return [tgt_vocab.decode(t) for t in out], sequence_accuracy(out, ref)


# %% tags=["subslide"]
directions = {"ko→en": ("korean", "english", ko, en), "en→ko": ("english", "korean", en, ko)}
translators = {}
for name, (source, target, src_vocab, tgt_vocab) in directions.items():
    torch.manual_seed(0)
    translators[name] = Seq2Seq(len(src_vocab), len(tgt_vocab), 16, 32, cell=LSTM)
_ = train_in_parallel(translators, lambda name, model: train_translator(*directions[name], model))
both = tuple("나는 밥을 먹었다 그래서 공부를 했다".split())
lecture_sentences = [*train_sentences[:2], *(s for s in train_sentences if s.korean == both)]
scores = {name: {group: translate(translators[name], sentences, *directions[name])
                 for group, sentences in (("lecture", lecture_sentences), ("held out", held_out))}
          for name in directions}

# %% tags=["subslide", "nbval-ignore-output"]
shown = lecture_sentences + held_out[::4]  # the lecture's three, then every fourth held-out sentence
said_en = scores["ko→en"]["lecture"][0] + scores["ko→en"]["held out"][0][::4]
for s, words in zip(shown, said_en, strict=True):
    mark = "" if tuple(words) == s.english else f"  ✗ reference: {' '.join(s.english)}"
    print(f"  {' '.join(s.korean):<28} → {' '.join(words)}{mark}")
for s, words in zip(lecture_sentences, scores["en→ko"]["lecture"][0], strict=True):
    print(f"  {' '.join(s.english):<28} → {' '.join(words)}")
for name in directions:
    word_accuracy, exact = scores[name]["held out"][1]
    print(f"24 held-out sentences, {name}: word accuracy {word_accuracy:.3f}, exact {exact:.3f}")

# %% tags=["subslide"]
claim("both translators translate the lecture's three sentences exactly (they were in training)",
      all(scores[name]["lecture"][1][1] == 1.0 for name in directions))
claim("on the 24 held-out sentences, each translator gets at least 85 % of the words right",
      all(scores[name]["held out"][1][0] >= 0.85 for name in directions))
claim("and at least 60 % of the whole sentences", all(scores[name]["held out"][1][1] >= 0.6 for name in directions))
ko_en_exact, en_ko_exact = (scores[name]["held out"][1][1] for name in directions)

# %% [markdown]
# ## 8. The five topologies side by side
# Every number below was measured above on data the models did not train on: new images of the training scenes
# (the noise and jitter are new, the scenes are not), the 10 captions of the 5 held-out scenes, sentences of
# `split="test"`, and the 24 held-out corpus sentences. Where a model was trained at 3 seeds, its mean (min-max).

# %% tags=["nbval-ignore-output"]
rows = [
    ("일 대 일 one-to-one", "image → shape", "MLP", "accuracy, new images", f"{one_to_one_accuracy:.3f}"),
    ("일 대 다 one-to-many", "image → caption", "GRU", "exact caption, new images", f"{caption_exact:.3f}"),
    ("다 대 일 many-to-one", "caption → image", "RNN", "exact image, training", f"{painter_table['train exact']:.2f}"),
    ("다 대 일 many-to-one", "caption → image", "RNN", "exact image, held out", f"{painter_table['held-out exact']:.2f}"),
    ("다 대 일 many-to-one", "sentence → label", "RNN", "accuracy, test split", f"{at_last_valid:.3f}"),
    ("다 대 다 many-to-many", "words → tags", "RNN", "word accuracy, held out", f"{tag_accuracy:.3f}"),
    ("인코더–디코더 seq2seq", "Korean → English", "LSTM", "exact sentence, held out", f"{ko_en_exact:.3f}"),
    ("인코더–디코더 seq2seq", "English → Korean", "LSTM", "exact sentence, held out", f"{en_ko_exact:.3f}"),
]
print(f"{'topology':<22}{'task':<18}{'cell':<6}{'metric':<27}value")
for topology, task, cell, metric, value in rows:
    print(f"{topology:<22}{task:<18}{cell:<6}{metric:<27}{value}")

# %% [markdown]
# ## Summary
# - 입력/출력층에 따른 종류: the same recurrent layer becomes a captioner, a reader, a tagger or a translator
#   depending only on where the inputs enter and where the outputs leave. Each model takes the layer class as
#   `cell=` and works with RNN, LSTM and GRU alike (an LSTM's state is the pair $(h, c)$).
# - 일 대 다 (이미지 → 텍스트): the image sets $h_0$; the decoder is trained with **teacher forcing** (input =
#   target shifted right, `<bos>` first) and used with **greedy decoding** (input = its own argmax, until `<eos>`).
#   It names the shape as well as a one-to-one MLP at the same budget (within 0.05 at every seed).
# - 다 대 일 (텍스트 → 이미지, 텍스트 → 라벨): answer from each sentence's **last valid** state; reading the
#   padded last column instead cost the plain RNN most of its padded sentences, as measured above.
# - Held out: trained on 19 of the 24 scenes, the painter, the MLP and the captioner get the corner and size of
#   an unseen scene but not its shape: they did not compose what they had only seen apart.
# - 다 대 다: one output per input step, T in and T out.
# - 인코더–디코더 (텍스트 → 텍스트): the encoder's last valid state (its $h$ only, for an LSTM) is a **fixed context**
#   that every decoder step reads beside the previous word, `cat([embedding, context])`, while the decoder state
#   evolves; it translated most held-out sentences exactly (the table above).
#
# Next we ask what goes wrong when the information a step needs lies many steps back.

# %% [markdown]
# ## Exercises
# Three warm-ups drill the bookkeeping of sections 4 and 5; the main exercise goes one step past greedy
# decoding. Under each answer cell, a check cell runs your function on stored cases and says what, if anything,
# is wrong. Your grade comes from running **only the answer cells**, apart from this notebook, with `math`, `np`
# (NumPy), `torch`, `nn` (`torch.nn`) and `F` (`torch.nn.functional`) already imported: so an answer must be
# self-contained, and everything it needs comes in as arguments (or from an earlier answer cell). An answer may
# import only math, numpy and torch, never `course_lib`; it may not use `getattr`, `exec`, `eval`, `open` or
# `globals`, nor private `._x` attributes.
#
# **Warm-up 1 (2 points).** Write `last_valid_state(outputs, lengths)`: `outputs` is a float tensor
# (B, T, H) of a recurrent layer's outputs over a right-padded batch and `lengths` a long tensor (B,) with the
# number of real words of each sentence. Return the (B, H) tensor whose row b is the output at the last valid
# step of sentence b.

# %% nbgrader={"grade": false, "grade_id": "last_valid_state_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
import torch


def last_valid_state(outputs, lengths):
    ### BEGIN SOLUTION
    rows = torch.arange(outputs.shape[0])
    return outputs[rows, lengths - 1]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "last_valid_state_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_last_valid_state

check_last_valid_state(last_valid_state)

# %% [markdown]
# **Warm-up 2 (2 points).** Teacher forcing, one step at a time. `step(tokens, state)` is a decoder step:
# it takes tokens (B,) and a state, and returns (logits (B, V), new state). Write
# `teacher_forcing_logits(step, state, targets, bos_index)`: for every target position t = 0 … S-1, call
# `step` once, feeding `<bos>` (`bos_index`) at t = 0 and the *target* token `targets[:, t-1]` after that,
# carrying the state along. Return the logits of all steps stacked as (B, S, V).

# %% nbgrader={"grade": false, "grade_id": "teacher_forcing_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def teacher_forcing_logits(step, state, targets, bos_index):
    ### BEGIN SOLUTION
    token = torch.full_like(targets[:, 0], bos_index)
    logits = []
    for t in range(targets.shape[1]):
        out, state = step(token, state)
        logits.append(out)
        token = targets[:, t]
    return torch.stack(logits, dim=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "teacher_forcing_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_teacher_forcing

check_teacher_forcing(teacher_forcing_logits)

# %% [markdown]
# **Warm-up 3 (2 points).** Greedy decoding with the same kind of `step`. Write
# `greedy_logits(step, state, start_tokens, max_len)`: feed `start_tokens` (B,) first, then at every step the
# argmax of the previous step's logits, carrying the state along, for exactly `max_len` steps (no `<eos>` here).
# Return the logits of all steps stacked as (B, max_len, V).

# %% nbgrader={"grade": false, "grade_id": "greedy_decode_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def greedy_logits(step, state, start_tokens, max_len):
    ### BEGIN SOLUTION
    token, logits = start_tokens, []
    for _ in range(max_len):
        out, state = step(token, state)
        logits.append(out)
        token = out.argmax(dim=-1)
    return torch.stack(logits, dim=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "greedy_decode_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_greedy_decode

check_greedy_decode(greedy_logits)

# %% [markdown]
# **Main exercise (5 points): a width-2 beam search.** Greedy decoding commits to the single most likely word
# at every step, and one wrong word early changes every later step's input. A word that looks best now can lead
# to a less likely sentence overall. **Beam search** keeps the 2 best *partial sequences* (hypotheses) instead of
# one. A hypothesis's score is its total log-probability: the sum, over its steps, of `log_softmax(logits)` at
# the token it chose. Write `beam_search(step, state, start_token, steps)` for one sentence:
# - `step(tokens (n,), state (n, H)) -> (logits (n, V), new state (n, H))`, as in the warm-ups; `state (1, H)`
#   is the decoder's start state, `start_token` (an int) its first input, `steps` (an int) how many tokens to
#   write (no `<eos>` here);
# - start from one hypothesis: no tokens, score 0, the given state, next input `start_token`;
# - at every step, run each hypothesis one step (its own last token, its own state), consider every way to
#   extend every hypothesis by one token, and keep the 2 extensions with the highest scores;
# - after the last step, return the best hypothesis as `(log_probs, tokens)`, like `torch.topk`'s
#   `(values, indices)`: `log_probs (steps,)` float64, the log-probability of each of its tokens at its step
#   (their sum is its score), and `tokens (steps,)` long.

# %% [markdown]
# Hint: keep with each hypothesis what its next step needs. To test yourself: with one hypothesis instead of two,
# your search must write warm-up 3's tokens.

# %% nbgrader={"grade": false, "grade_id": "beam_search_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def beam_search(step, state, start_token, steps):
    """Width-2 beam search for one sentence: (log_probs (steps,), tokens (steps,)) of the best hypothesis."""
    ### BEGIN SOLUTION
    beams = [(0.0, [], [], state, start_token)]  # (score, log-probabilities, tokens, state, next input)
    for _ in range(steps):
        logits, states = step(torch.tensor([b[4] for b in beams]), torch.cat([b[3] for b in beams]))
        log_p = torch.log_softmax(logits, dim=-1)  # (n, V)
        scores = torch.tensor([b[0] for b in beams], dtype=log_p.dtype)[:, None] + log_p  # (n, V)
        kept = []
        for i in scores.flatten().topk(min(2, scores.numel())).indices.tolist():
            p, v = divmod(i, scores.shape[1])  # extend hypothesis p by token v
            _, lps, toks, _, _ = beams[p]
            kept.append((scores[p, v].item(), [*lps, log_p[p, v]], [*toks, v], states[p : p + 1], v))
        beams = kept
    _, log_probs, tokens, _, _ = max(beams, key=lambda b: b[0])
    return torch.stack(log_probs), torch.tensor(tokens)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "beam_search_check", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from course_lib.checks import check_beam_search

check_beam_search(beam_search)

# %% [markdown]
# **Think further (not graded).** With greedy decoding, one wrong word early in a caption changes every later
# step's input. Which of the two decoders above, the captioner or the translator, would you expect to suffer
# more from this, and why? Would a beam of 2 help either of them?
#
# **Next:** [05 · 기울기 소실 문제 (vanishing gradients)](05_vanishing_gradients.ipynb) — why learning degrades
# when the input that matters lies far back.
