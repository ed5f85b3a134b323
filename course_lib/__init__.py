"""Companion package of the sequence-models course.

One module per concept: ``data`` (corpus, vocabulary), ``tasks`` (synthetic
tasks), ``dnn``, ``rnn``, ``lstm``, ``gru``, ``gradients``, ``topologies``,
``attention``, ``training``, ``plots`` and ``checks`` (exercise checkers).
"""

__version__ = "0.1.0"
