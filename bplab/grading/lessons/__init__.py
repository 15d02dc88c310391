"""One module per lesson, ``lessonNN.py``, each with a ``CHECKS`` list."""
