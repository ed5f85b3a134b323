"""Companion package of the sequence-models course.

One module per concept (``tests/test_package_map.py`` keeps this list complete):

- data and tasks: ``data`` (the generated Korean/English corpus and its vocabulary),
  ``padding`` (right-padded batches: pad, lengths, reverse within lengths, last valid step),
  ``tasks`` (synthetic sentence tasks and the adding problem), ``shape_scenes`` (8x8 shape
  images with their Korean captions), ``heldout`` (disjoint train/test parts of a task);
- models: ``dnn`` (feed-forward networks on sentences), ``recurrent`` (the layer machinery of
  every recurrent drop-in), ``rnn``, ``lstm``, ``lstm_bptt`` (the LSTM's backpropagation through
  time written by hand, its fast path), ``gru``, ``gradients`` (gradient norms through time,
  clipping, gradient checks), ``topologies`` (one recurrent layer wired five ways),
  ``long_range`` (the adding-problem regressor and trainer), ``attention``, ``transformer`` (an
  encoder block from the course's parts), ``classifiers`` (the capstone's sentence readers);
- training: ``training`` (the seeded fit loop), ``adam`` (Adam written out), ``progress`` (a
  progress line that ends as a summary), ``parallel`` (independent trainings side by side);
- the notebooks' prose and figures: ``evidence`` (claims asserted, verdicts, results over
  seeds), ``plots`` (charts and the lecture's diagrams, Korean labels), ``figure_words`` (the
  figures' words in Korean), ``language`` (English or Korean: the checks' messages and the
  figures' words);
- exercises: ``checks`` (the learners' exercise checkers).
"""

__version__ = "0.1.0"
