# %% [markdown]
# # 04 · 입력/출력층에 따른 종류 — One recurrent layer, five ways to wire its inputs and outputs
#
# **After this notebook you will be able to**
# - name the five topologies by what goes in and what comes out — 일 대 일 (one-to-one), 일 대 다 (one-to-many),
#   다 대 일 (many-to-one), 다 대 다 (many-to-many, aligned) and 인코더–디코더 (encoder–decoder, seq2seq) — and
#   give each one's input and output shapes;
# - start a decoder from a vector (이미지 → 텍스트), train it with **teacher forcing** and run it with **greedy decoding**;
# - read a padded batch of sentences from each sentence's last *valid* state (텍스트 → 이미지, 텍스트 → 라벨);
# - tag every word of a sentence with one output per input step;
# - build an encoder–decoder whose **context stays fixed** while the decoder's state moves on, and use it to
#   translate "그래서 공부를 했다" ↔ "so I studied" (텍스트 → 텍스트).
#
# The lecture's slide **입력/출력층에 따른 종류** (kinds of RNN by their input and output layers) gives three
# examples: 이미지 → 텍스트 (image to text, 일 대 다: one-to-many), 텍스트 → 이미지 (text to image) and
# 텍스트 → 텍스트 (text to text), with the sentence "그래서 공부를 했다" (so I studied).
# The recurrent layer is the one of notebook 02 in every case; only what is fed in and what is read out change.

# %%
import itertools

import torch
import torch.nn.functional as F

from course_lib import plots
from course_lib.data import BOS, EOS, TAGS, Vocab, english_vocab, korean_vocab, pad_batch
from course_lib.gru import GRU
from course_lib.lstm import LSTM
from course_lib.rnn import RNN
from course_lib.tasks import (
    ACTIVITY_NAMES,
    CAPTION_GLOSSES,
    SHAPE_NAMES,
    caption_words,
    draw_shape,
    english_caption,
    role_tagging,
    shape_scenes,
    translation_split,
    which_came_first,
)
from course_lib.topologies import (
    ManyToMany,
    ManyToOne,
    OneToMany,
    OneToOne,
    Seq2Seq,
    TupleInput,
    draw_topologies,
    initial_state,
    last_valid,
    lengths_from_padding,
    sequence_accuracy,
    sequence_loss,
    shift_right,
    teacher_forcing,
)
from course_lib.training import accuracy, fit, sample_batches, seed_everything

torch.set_num_threads(1)  # the models are small: one thread beats two that wait for each other
seed_everything(0)

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

# %%
fig = draw_topologies()

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
# inside: `initial_state(layer, h)` builds whichever the layer wants, here from a (2, 16) vector:

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
print("same logits as with torch.nn.GRU:", torch.allclose(ours(x64, words), theirs(x64, words), rtol=1e-12, atol=1e-12))

# %% [markdown]
# ## 2. Small images that come with a sentence
# The course draws its own 8×8 "images" (no downloads): a 원 (circle), 네모 (square) or 세모 (triangle), 큰 (big)
# or 작은 (small), in one corner. Each comes with a Korean caption such as "왼쪽 위에 큰 원이 있다"
# ("there is a big circle at the top left"). What a model sees is noisy, and a small shape may sit one pixel off.

# %%
train_scenes = shape_scenes(2000, noise=0.2, jitter=True, seed=0)
test_scenes = shape_scenes(500, noise=0.2, jitter=True, seed=1)


def show_image(ax, image, title):
    """One 8x8 image, dark = 1, with its caption as the title."""
    ax = plots.heatmap(image.reshape(8, 8), ax=ax, cmap="gray_r", colorbar=False, title=title)
    ax.set(xticks=[], yticks=[], aspect="equal")


fig, axes = plots.plt.subplots(1, 5, figsize=(13, 3))
for ax, image, caption in zip(axes, train_scenes.images, train_scenes.captions, strict=False):
    show_image(ax, image, " ".join(caption))
for caption in train_scenes.captions[:5]:
    print(" ".join(caption), "→", english_caption(caption))

# %% [markdown]
# ## 3. 일 대 일 (one-to-one): image → shape
# A plain MLP reads the 64 pixels at once and names the shape. There is no sequence on either side, so no
# recurrence is needed.

# %%
X, X_test = train_scenes.images.flatten(1), test_scenes.images.flatten(1)
mlp = OneToOne(64, 32, len(SHAPE_NAMES))
fit(mlp, sample_batches(X, train_scenes.labels, 64), steps=300, lr=1e-2, seed=0, desc="one-to-one")
with torch.no_grad():
    one_to_one_accuracy = accuracy(mlp(X_test), test_scenes.labels)
print(f"shape accuracy on 500 new images: {one_to_one_accuracy:.3f} (chance {1 / len(SHAPE_NAMES):.2f})")

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


Y, Y_test = encode_captions(train_scenes.captions), encode_captions(test_scenes.captions)
print("target       :", caption_vocab.decode(Y[0], strip_specials=False))
print("decoder input:", caption_vocab.decode(shift_right(Y[:1], bos)[0], strip_specials=False))

# %% [markdown]
# - **Greedy decoding** (use): there is no true word any more, so feed the decoder's own best guess, the
#   argmax of its logits, until it writes `<eos>`.
#
# Training runs all steps of the teacher-forced decoder in one call of the recurrent layer. That one call is
# exactly the step-by-step loop `teacher_forcing(step, state, targets, bos)`, which feeds `<bos>`, then
# `targets[:, t-1]` at step t:

# %%
seed_everything(0)
captioner = OneToMany(64, len(caption_vocab), 16, 32, cell=GRU)
with torch.no_grad():
    one_call = captioner(X[:4], shift_right(Y[:4], bos))
    step_by_step = teacher_forcing(captioner.step, captioner.start(X[:4]), Y[:4], bos)
print("one call equals the step-by-step loop:", torch.allclose(one_call, step_by_step, atol=1e-6))

# %% [markdown]
# `fit` calls `model(x)` with one input; `TupleInput` unpacks ((image, decoder input), target) batches for it.
# The loss is the cross-entropy over every caption word (`sequence_loss`, which skips `<pad>`).


# %%
def caption_batches(g):
    idx = torch.randint(len(X), (64,), generator=g)
    return (X[idx], shift_right(Y[idx], bos)), Y[idx]


fit(TupleInput(captioner), caption_batches, steps=400, lr=1e-2, loss_fn=sequence_loss, seed=0, desc="one-to-many")
with torch.no_grad():
    generated = captioner.generate(X_test, bos_index=bos, eos_index=eos, max_len=8)
caption_token_accuracy, caption_exact = sequence_accuracy(generated, Y_test)
print(f"greedy captions of 500 new images: word accuracy {caption_token_accuracy:.3f}, "
      f"whole caption right {caption_exact:.3f}")

# %%
fig, axes = plots.plt.subplots(1, 5, figsize=(13, 3))
for ax, image, tokens, truth in zip(axes, X_test, generated, test_scenes.captions, strict=False):
    said = caption_vocab.decode(tokens)
    show_image(ax, image, " ".join(said) + ("" if said == truth else "\n(틀림, wrong)"))
    line = f"{' '.join(said):<20} ({english_caption(said)})"
    print(line if said == truth else f"{line}   truth: {' '.join(truth)}")

# %% [markdown]
# ## 5. 다 대 일 (many-to-one): 텍스트 → 이미지
# The other way round: read a caption word by word and answer once, with 64 pixel values from the last state.
# Captions now come in both Korean word orders ("왼쪽 위에 큰 원이 있다" and "큰 원이 왼쪽 위에 있다" say the
# same), so the model must read the whole sentence. Each pixel is a yes/no question: binary cross-entropy.

# %%
caption_scenes = shape_scenes(2000, mixed_order=True, seed=2)
C = pad_batch([caption_vocab.encode(c) for c in caption_scenes.captions])
painter = ManyToOne(len(caption_vocab), 16, 32, 64, cell=RNN)
history = fit(painter, sample_batches(C, caption_scenes.clean.flatten(1), 64), steps=300, lr=1e-2,
              loss_fn=F.binary_cross_entropy_with_logits, seed=0, desc="many-to-one")

# %% [markdown]
# There are only 24 scenes (3 shapes × 2 sizes × 4 corners), each with 2 word orders, so we test on all
# 48 captions: a pixel is drawn where the model's logit is positive.

# %%
every = list(itertools.product(SHAPE_NAMES, ("큰", "작은"), (0, 1), (0, 1), (False, True)))
all_captions = [caption_words(*scene) for scene in every]
truth = torch.stack([draw_shape(*scene[:4]) for scene in every]).flatten(1)
with torch.no_grad():
    drawn = (painter(pad_batch([caption_vocab.encode(c) for c in all_captions])) > 0).float()
pixel_error = (drawn != truth).float().mean().item()
images_right = (drawn == truth).all(dim=1).float().mean().item()
print(f"48 captions: pixel error {pixel_error:.3f}, images drawn exactly right {images_right:.3f}")

# %%
shown = [0, 1, 13, 22, 40]  # a big circle in both word orders, a small circle, a big square, a small triangle
fig, axes = plots.plt.subplots(1, len(shown), figsize=(13, 3))
for ax, i in zip(axes, shown, strict=True):
    show_image(ax, drawn[i], " ".join(all_captions[i]))

# %% [markdown]
# ### Padding: answer from the last *valid* state
# Sentences differ in length, and a batch pads the short ones with `<pad>` at the end. A many-to-one model
# must answer from each sentence's **last valid step**, `outputs[b, lengths[b] - 1]`, not from the last column,
# where a short sentence has already read some `<pad>`s. The task of notebook 01 shows it: "[어제] A 그래서 B"
# → which activity came first, with 0 to 2 time words in front, so lengths vary within a batch.

# %%
ko = korean_vocab()
sentences, labels = which_came_first(2000, time_words=(0, 2), seed=0)
test_sentences, test_labels = which_came_first(500, time_words=(0, 2), seed=1)
S = pad_batch([ko.encode(s) for s in sentences])
S_test = pad_batch([ko.encode(s) for s in test_sentences])
print("lengths in one test batch:", lengths_from_padding(S_test[:8]).tolist())
readers = {}
for cell in (RNN, LSTM, GRU):
    readers[cell.__name__] = ManyToOne(len(ko), 16, 32, len(ACTIVITY_NAMES), cell=cell)
    fit(readers[cell.__name__], sample_batches(S, labels, 64), steps=200, lr=1e-2, seed=0, desc=cell.__name__)

# %% [markdown]
# The models read the last valid step. What if they read the last column instead? The same trained weights,
# read out both ways, on 500 new sentences:

# %%
shorter = lengths_from_padding(S_test) < S_test.shape[1]
print(f"{shorter.float().mean():.2f} of the test sentences are shorter than the longest one")
print(f"{'cell':<6}{'last valid step':>16}{'last column':>13}{'last column, shorter ones':>27}")
for name, reader in readers.items():
    with torch.no_grad():
        outputs, _ = reader.rnn(reader.embed(S_test))  # (B, T, H)
        valid = accuracy(reader.out(last_valid(outputs, lengths_from_padding(S_test))), test_labels)
        column = accuracy(reader.out(outputs[:, -1]), test_labels)
        column_short = accuracy(reader.out(outputs[shorter, -1]), test_labels[shorter])
    print(f"{name:<6}{valid:>16.3f}{column:>13.3f}{column_short:>27.3f}")
at_last_valid = accuracy(readers["RNN"](S_test), test_labels)

# %% [markdown]
# Read at the last valid step, every cell is right. Read at the last column, the plain RNN loses the sentences
# that were padded: a few `<pad>` steps overwrite its state. The gated LSTM and GRU happen to carry their
# answer through two `<pad>` steps here, but nothing in their training asked them to; the last valid step is
# the answer by construction (`ManyToOne` always reads it).
#
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
tagger = ManyToMany(len(ko), 16, 32, len(tag_vocab), cell=RNN)
fit(tagger, sample_batches(W, Tags, 64), steps=300, lr=1e-2, loss_fn=sequence_loss, seed=0, desc="many-to-many")
with torch.no_grad():
    predicted_tags = tagger(W_test).argmax(-1)
tag_accuracy, tag_exact = sequence_accuracy(predicted_tags.masked_fill(Tags_test == 0, 0), Tags_test)
print(f"tags of held-out sentences: per word {tag_accuracy:.3f}, whole sentence right {tag_exact:.3f}")

# %%
sentence = "어제 나는 밥을 먹었다 그래서 공부를 했다".split()
with torch.no_grad():
    guess = tagger(torch.tensor([ko.encode(sentence)])).argmax(-1)[0]
print("  ".join(f"{w}/{tag_vocab.itos[t]}" for w, t in zip(sentence, guess.tolist(), strict=True)))

# %% [markdown]
# In this small grammar each word has a single role, so the tag task is easy; what matters here is the shape:
# T words in, T tags out, step t having seen words 1..t only.
#
# ## 7. 인코더–디코더 (encoder–decoder): 텍스트 → 텍스트
# A translation has its own length ("나는 밥을 먹었다", 3 words → "I ate rice", 3 words; "우리는 영화를 봤다 그래서
# 공부를 했다", 6 words → "we watched a movie so we studied", 7 words) and its own word order, so tagging's
# one-output-per-input cannot work. The **encoder** reads the whole Korean sentence; its last valid state is
# the **context** c. The **decoder** starts from c and writes English word by word, and at *every* step it
# reads [the previous word's embedding; c].
#
# The context is computed once and **stays fixed**; only the decoder's own state moves. A classic bug (d2l
# issue #2134) passed the decoder's *updated* state as the context at each step of decoding. We check what
# the decoder layer really receives at each greedy step, with a hook:

# %%
en = english_vocab()
translator = Seq2Seq(len(ko), len(en), 16, 32, cell=LSTM)
received = []
hook = translator.decoder.register_forward_pre_hook(lambda layer, args: received.append(args[0][:, 0, -32:]))
lecture = pad_batch([ko.encode(s.korean) for s in train_sentences[:2]])
with torch.no_grad():
    context = translator.encode(lecture)
    translator.generate(lecture, bos_index=en.stoi[BOS], eos_index=en.stoi[EOS], max_len=6)
hook.remove()
print(f"{len(received)} decoder steps; the context they read differs from the encoder's by at most",
      max((r - context).abs().max().item() for r in received))

# %% [markdown]
# Now train it, Korean → English, on the corpus minus the 24 held-out sentences, then translate the
# lecture's sentences and the held-out ones by greedy decoding. The same code trains English → Korean.


# %%
def train_translator(source, target, src_vocab, tgt_vocab, cell, steps=250):
    """A Seq2Seq trained with teacher forcing on sentences (source side -> target side)."""
    src = pad_batch([src_vocab.encode(getattr(s, source)) for s in train_sentences])
    tgt = pad_batch([tgt_vocab.encode([*getattr(s, target), EOS]) for s in train_sentences])
    seed_everything(0)
    model = Seq2Seq(len(src_vocab), len(tgt_vocab), 16, 32, cell=cell)

    def batches(g):
        idx = torch.randint(len(src), (32,), generator=g)
        return (src[idx], shift_right(tgt[idx], tgt_vocab.stoi[BOS])), tgt[idx]

    fit(TupleInput(model), batches, steps=steps, lr=1e-2, loss_fn=sequence_loss, seed=0, desc=f"{source} → {target}")
    return model


def translate(model, sentences, source, target, src_vocab, tgt_vocab):
    """Greedy translations (word lists) and (word accuracy, exact match) against the reference."""
    src = pad_batch([src_vocab.encode(getattr(s, source)) for s in sentences])
    ref = pad_batch([tgt_vocab.encode([*getattr(s, target), EOS]) for s in sentences])
    with torch.no_grad():
        out = model.generate(src, bos_index=tgt_vocab.stoi[BOS], eos_index=tgt_vocab.stoi[EOS], max_len=12)
    return [tgt_vocab.decode(t) for t in out], sequence_accuracy(out, ref)


ko_en = train_translator("korean", "english", ko, en, LSTM)

# %%
lecture_sentences = [*train_sentences[:2], *(s for s in train_sentences if s.korean == tuple("나는 밥을 먹었다 그래서 공부를 했다".split()))]
for name, group in [("the lecture's sentences (seen in training)", lecture_sentences), ("held out (never seen)", held_out[::4])]:
    print(name)
    for s, words in zip(group, translate(ko_en, group, "korean", "english", ko, en)[0], strict=True):
        mark = "" if tuple(words) == s.english else f"  ✗ reference: {' '.join(s.english)}"
        print(f"  {' '.join(s.korean):<28} → {' '.join(words)}{mark}")
_, (ko_en_accuracy, ko_en_exact) = translate(ko_en, held_out, "korean", "english", ko, en)
print(f"24 held-out sentences, Korean → English: word accuracy {ko_en_accuracy:.3f}, exact {ko_en_exact:.3f}")

# %%
en_ko = train_translator("english", "korean", en, ko, LSTM)
for s, words in zip(lecture_sentences, translate(en_ko, lecture_sentences, "english", "korean", en, ko)[0], strict=True):
    print(f"  {' '.join(s.english):<28} → {' '.join(words)}")
_, (en_ko_accuracy, en_ko_exact) = translate(en_ko, held_out, "english", "korean", en, ko)
print(f"24 held-out sentences, English → Korean: word accuracy {en_ko_accuracy:.3f}, exact {en_ko_exact:.3f}")

# %% [markdown]
# ## 8. The five topologies side by side
# Every number below was measured above, on fresh test data: new random images and sentences, the 24
# held-out corpus sentences, and for 텍스트 → 이미지 all 48 captions (there are no others).

# %%
rows = [
    ("일 대 일 one-to-one", "image → shape", "MLP", "accuracy", one_to_one_accuracy),
    ("일 대 다 one-to-many", "image → caption", "GRU", "exact caption", caption_exact),
    ("다 대 일 many-to-one", "caption → image", "RNN", "pixel error", pixel_error),
    ("다 대 일 many-to-one", "sentence → label", "RNN", "accuracy", at_last_valid),
    ("다 대 다 many-to-many", "words → tags", "RNN", "word accuracy", tag_accuracy),
    ("인코더–디코더 seq2seq", "Korean → English", "LSTM", "exact sentence", ko_en_exact),
    ("인코더–디코더 seq2seq", "English → Korean", "LSTM", "exact sentence", en_ko_exact),
]
print(f"{'topology':<22}{'task':<18}{'cell':<6}{'metric':<16}value")
for topology, task, cell, metric, value in rows:
    print(f"{topology:<22}{task:<18}{cell:<6}{metric:<16}{value:.3f}")

# %% [markdown]
# ## Summary
# - 입력/출력층에 따른 종류: the same recurrent layer becomes a captioner, a reader, a tagger or a translator
#   depending only on where the inputs enter and where the outputs leave. Each model takes the layer class as
#   `cell=` and works with RNN, LSTM and GRU alike (an LSTM's state is the pair $(h, c)$).
# - 일 대 다 (이미지 → 텍스트): the image sets $h_0$; the decoder is trained with **teacher forcing** (input =
#   target shifted right, `<bos>` first) and used with **greedy decoding** (input = its own argmax, until `<eos>`).
# - 다 대 일 (텍스트 → 이미지, 텍스트 → 라벨): answer from each sentence's **last valid** state; reading the
#   padded last column instead cost the plain RNN most of its padded sentences, as measured above.
# - 다 대 다: one output per input step, T in and T out.
# - 인코더–디코더 (텍스트 → 텍스트): the encoder's last valid state is a **fixed context** that every decoder
#   step reads beside the previous word, while the decoder state evolves; it translated held-out sentences
#   it never saw (the table above).
#
# Next we ask what goes wrong when the information a step needs lies many steps back.
#
# ## Exercises
# Each answer cell has a check cell below it that runs your function on fresh random inputs and tells you
# what, if anything, is wrong.
#
# **Exercise 1 (2 points).** Write `last_valid_state(outputs, lengths)`: `outputs` is a float tensor
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
# **Exercise 2 (2 points).** Teacher forcing, one step at a time. `step(tokens, state)` is a decoder step:
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
# **Exercise 3 (2 points).** Greedy decoding with the same kind of `step`. Write
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
# **Think further (not graded).** With greedy decoding, one wrong word early in a caption changes every later
# step's input. Which of the two decoders above, the captioner or the translator, would you expect to suffer
# more from this, and why? What would you try instead of taking the argmax at every step?
#
# **Next:** [05 · 기울기 소실 문제 (vanishing gradients)](05_vanishing_gradients.ipynb) — why learning degrades
# when the input that matters lies far back.
