"""Companion package of the sequence-models course.

One module per concept: ``data`` (corpus, vocabulary, padding), ``tasks`` (synthetic
tasks), ``heldout`` (disjoint train/test parts of a task), ``dnn``, ``recurrent`` (the layer
machinery of every recurrent drop-in), ``rnn``, ``lstm``, ``gru``, ``gradients``,
``topologies``, ``long_range`` (the adding-problem regressor and trainer), ``attention``,
``classifiers`` and ``transformer`` (the capstone's models), ``training`` (the fit loop),
``adam``, ``parallel`` (independent trainings side by side), ``evidence`` (claims asserted,
verdicts, results over seeds), ``plots`` and ``checks`` (exercise checkers).
"""

__version__ = "0.1.0"
