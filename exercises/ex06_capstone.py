# Generated from solutions/ex06_capstone.py by `bplab build-exercises`: edit the marked functions.
"""Lesson 06: the capstone. The training loop, and fine-tuning with frozen layers.

Write the bodies of the two functions below, save the file, and run the check
cells in ``notebooks/06_capstone.ipynb`` (or ``bplab check 06`` in a terminal).

The reference versions live in ``bplab/transfer.py``; this file repeats them on
purpose (solution and reference are the course's one intended duplication).
"""

from bplab.nn.layers import Sequential


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    """Train ``model`` for one epoch of shuffled mini-batches.

    Use ``rng`` exactly like this, so that your epoch can be replayed:
    ``order = rng.permutation(len(X))``, then the batches are
    ``order[0:batch_size]``, ``order[batch_size:2 * batch_size]``, ... (the
    last one may be smaller). For every batch, in this order:

    1. ``out = model.forward(X_batch, train=True)``
    2. ``loss, dout = loss_fn(out, y_batch)``
    3. ``model.backward(dout)``  (fills ``model.grads``)
    4. ``optimizer.step(model.grads)``  (updates ``model.params`` in place)

    Parameters
    ----------
    model : Sequential
        Has ``forward(x, train)``, ``backward(dout)``, ``params`` and ``grads``.
    loss_fn : callable
        ``loss_fn(out, y) -> (loss, dout)``, the mean over the batch.
    optimizer : object
        Built on ``model.params``; ``optimizer.step(grads)``.
    X : ndarray of float64, shape (N, D)
    y : ndarray of int, shape (N,)
    batch_size : int
    rng : numpy.random.Generator

    Returns
    -------
    float
        The epoch's mean training loss: every batch's loss (computed before
        its update) weighted by the batch's size, ``sum(loss_b * n_b) / N``.
        With a smaller last batch, a plain average of the batch losses is wrong.
    """
    raise NotImplementedError('train_epoch: not written yet. Read notebook 06, section "2. The training loop".')


def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    """Train all but the first ``n_frozen`` layers of ``model``; the frozen layers must not change at all.

    As in PyTorch, a frozen parameter is one the optimizer never sees: build
    the optimizer with ``make_optimizer(params)`` on the parameters of
    ``model.layers[n_frozen:]`` only (weight decay would move any parameter it
    is given, even one whose gradient is zero). Frozen layers run in
    evaluation mode (``train=False``): this course's choice, which PyTorch
    needs a separate ``.eval()`` for. Because they never change, compute
    their output for ``X`` once, then train the remaining layers on it with
    your ``train_epoch``, once per epoch, passing ``rng`` along.

    Parameters
    ----------
    model : Sequential
        ``model.layers`` lists its layers; activations count as layers.
        Trained in place.
    n_frozen : int
        How many leading layers to freeze; 0 trains everything.
    loss_fn : callable
        ``loss_fn(out, y) -> (loss, dout)``.
    make_optimizer : callable
        ``make_optimizer(params) -> optimizer``; call it once.
    X : ndarray of float64, shape (N, D)
    y : ndarray of int, shape (N,)
    epochs : int
    batch_size : int
    rng : numpy.random.Generator

    Returns
    -------
    list of float
        ``train_epoch``'s loss of every epoch, in order.

    Notes
    -----
    ``Sequential(model.layers[n_frozen:])`` is a model made of the trainable
    layers (the same layer objects, so training it trains ``model``).
    """
    raise NotImplementedError('fine_tune: not written yet. Read notebook 06, section "5. Transfer learning".')


# Questions (notebook 06). Write each prediction BEFORE running the cell it is about.
#
# Section "3. Your network on the digits": before training, the network's 10 scores are small and
# random. What should the mean cross-entropy loss be for 10 classes at initialization? (a number)
INITIAL_LOSS = None

# Section "3. Your network on the digits": with dropout p = 0.3 during training, what will the training
# accuracy (evaluated after training, dropout off) be?
#   (a) about 70 %: dropout removes 30 % of the units, so the network cannot fit every image
#   (b) about the validation accuracy: dropout stops the network from memorizing
#   (c) 100 % or very nearly: about 50,000 weights can still fit 1,078 images
DROPOUT_TRAIN_ACCURACY = None

# Section "4. What the network gets wrong": the dashboard's training curve is the running mean of the
# batch losses during each epoch (dropout on, weights still changing); the training loss can also be
# evaluated after the epoch (dropout off). At the last epoch, which is larger?
#   (a) the running mean during the epoch   (b) the loss evaluated after the epoch   (c) they are equal
RUNNING_VS_EVALUATED = None

# Section "5. Transfer learning": the source network is 64 -> 256 -> 5. For the new task, how many numbers
# does the optimizer update in the "frozen features + new head" strategy (the new head is 256 -> 5)?
FROZEN_TRAINED_PARAMETERS = None

# Section "5. Transfer learning": fine-tuned minus frozen is the paired difference in test accuracy.
# As the labels per class grow from 1 to 20, what happens to it?
#   (a) it grows: more labels let fine-tuning adapt the features further
#   (b) it shrinks toward 0: the new task's own labels outweigh the starting point
#   (c) it stays about the same
TRANSFER_GAP_TREND = None


def digits_recipe():
    """Your training recipe for the digits: the settings of a whole training run.

    Return a dict with any of these settings (the others keep the defaults
    of ``bplab.recipes.DEFAULTS``): ``hidden`` (units of each hidden layer,
    a tuple), ``activation`` (``"relu"``, ``"tanh"``, ``"sigmoid"``,
    ``"leaky_relu"``), ``dropout`` (probability of dropping, in [0, 1)),
    ``optimizer`` (``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``), ``lr``,
    ``momentum``, ``weight_decay``, ``batch_size`` and ``epochs``.

    Try recipes in the notebook with ``train_recipe(recipe)``, which trains
    on the train split and shows the validation split only. The grader trains
    your recipe the same way for 3 seeds, keeps each run's epoch of lowest
    validation loss, and scores the mean accuracy on the test split: 2 points
    from 95 %, 1 more from 97.5 %. Training the 3 seeds may cost at most
    1e11 multiply-adds and 30,000 optimizer steps (about 20 s here);
    ``bplab.recipes.training_cost(recipe, seeds=3)`` counts them.

    Returns
    -------
    dict
    """
    raise NotImplementedError('digits_recipe: not written yet. Read notebook 06, section "6. Your own recipe".')
