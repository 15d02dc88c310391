"""Lesson 06: the training loop and fine-tuning."""

from tests.mistakes import Mistake

LOOP = """
import numpy as np


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
{body}
"""


def loop(body, check, what, keywords):
    return Mistake(check, what, keywords, LOOP.format(body=body))


RIGHT_TUNE_HEAD = """
def fine_tune(model, n_frozen, loss_fn, make_optimizer, X, y, *, epochs, batch_size, rng):
    trainable = Sequential(model.layers[n_frozen:])
"""

MISTAKES = [
    # -- train_epoch
    loop("""    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=False)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch", "train=False", ("train=True",)),
    loop("""    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model(X[batch])
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch", "model(x) evaluates", ("train=True",)),
    loop("""    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        optimizer.step(model.grads)
        model.backward(dout)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch", "step before backward", ("before the backward pass",)),
    loop("""    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = rng.choice(len(X), size=min(batch_size, len(X) - start))
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch", "with replacement (rng.choice)", ("with replacement",)),
    loop("""    order = rng.integers(0, len(X), size=len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch", "with replacement (rng.integers)", ("with replacement",)),
    loop("""    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = np.arange(start, min(start + batch_size, len(X)))
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch", "not shuffled", ("not shuffled",)),
    loop("""    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X) - batch_size + 1, batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch", "last batch skipped", ("last, smaller batch",)),
    loop("""    order = rng.permutation(len(X))
    losses = []
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        losses.append(float(loss))
    return float(np.mean(losses))""", "train_epoch", "plain mean of batch losses", ("weight each batch",)),
    loop("""    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
    return float(loss)""", "train_epoch", "last batch's loss", ("last batch",)),
    loop("""    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[start:start + batch_size])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch", "labels not shuffled with X", ("labels",)),
    loop("""    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch", "no optimizer step", ("optimizer.step",)),
    loop("""    total = 0.0
    for start in range(0, len(X), batch_size):
        order = rng.permutation(len(X))
        batch = order[:batch_size] if start + batch_size <= len(X) else order[:len(X) - start]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch", "a new permutation per batch", ("twice",)),
    loop("""    perm = rng.permutation(len(X))
    X[...] = X[perm]
    y[...] = y[perm]
    total = 0.0
    for start in range(0, len(X), batch_size):
        out = model.forward(X[start:start + batch_size], train=True)
        loss, dout = loss_fn(out, y[start:start + batch_size])
        model.backward(dout)
        optimizer.step(model.grads)
        total += float(loss) * len(out)
    return total / len(X)""", "train_epoch", "shuffles X and y in place", ("in place",)),
    # -- fine_tune
    Mistake("fine_tune", "frozen layers in training mode", ("train=False",), RIGHT_TUNE_HEAD + """
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake("fine_tune", "frozen part as a Sequential, default train", ("train=False",), RIGHT_TUNE_HEAD + """
    optimizer = make_optimizer(trainable.params)
    features = Sequential(model.layers[:n_frozen]).forward(X)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake("fine_tune", "every parameter to the optimizer", ("frozen", "optimizer"), RIGHT_TUNE_HEAD + """
    optimizer = make_optimizer(model.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake("fine_tune", "params sliced by n_frozen", ("frozen", "optimizer"), RIGHT_TUNE_HEAD + """
    optimizer = make_optimizer(model.params[n_frozen:])
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs)]
"""),
    Mistake("fine_tune", "optimizer made every epoch", ("once",), RIGHT_TUNE_HEAD + """
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, make_optimizer(trainable.params), features, y, batch_size, rng)
            for _ in range(epochs)]
"""),
    Mistake("fine_tune", "returns only the last loss", ("every epoch's loss",), RIGHT_TUNE_HEAD + """
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    for _ in range(epochs):
        loss = train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng)
    return loss
"""),
    Mistake("fine_tune", "one epoch short", ("once per epoch",), RIGHT_TUNE_HEAD + """
    optimizer = make_optimizer(trainable.params)
    features = X
    for layer in model.layers[:n_frozen]:
        features = layer.forward(features, train=False)
    return [train_epoch(trainable, loss_fn, optimizer, features, y, batch_size, rng) for _ in range(epochs - 1)]
"""),
    Mistake("fine_tune", "trains the whole model", ("train=False",), RIGHT_TUNE_HEAD + """
    optimizer = make_optimizer(trainable.params)
    return [train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng) for _ in range(epochs)]
"""),
]

MISTAKES += [
    loop("""    order = rng.permutation(len(X))
    total = 0.0
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], train=True)
        loss, dout = loss_fn(out, y[batch])
        model.backward(dout)
        total += float(loss) * len(batch)
    return total / len(X)""", "train_epoch_digits_accuracy", "no optimizer step", ("optimizer.step",)),
    loop("""    order = rng.permutation(len(X))
    batch = order[:batch_size]
    out = model.forward(X[batch], train=True)
    loss, dout = loss_fn(out, y[batch])
    model.backward(dout)
    optimizer.step(model.grads)
    return float(loss)""", "train_epoch_digits_accuracy", "one batch per epoch", ("one batch per epoch",)),
    # -- digits_recipe and digits_recipe_strong: recipes as learners try them first
    Mistake("digits_recipe", "learning rate far too small", ("does not train",),
            'def digits_recipe():\n    return {"hidden": (16,), "lr": 1e-9, "epochs": 2}\n'),
    Mistake("digits_recipe", "SGD with a huge learning rate", ("does not train",),
            'def digits_recipe():\n    return {"hidden": (16,), "optimizer": "sgd", "lr": 1e4, "epochs": 2}\n'),
    Mistake("digits_recipe", "batch size 1 for many epochs", ("optimizer steps", "fewer epochs"),
            'def digits_recipe():\n    return {"hidden": (8,), "batch_size": 1, "epochs": 20}\n'),
    Mistake("digits_recipe_strong", "a huge network trained for long", ("over the limit", "fewer epochs"),
            'def digits_recipe():\n    return {"hidden": (1024, 1024), "epochs": 200}\n'),
    Mistake("digits_recipe_strong", "the learning rate spelled wrong", ("unknown recipe settings",),
            'def digits_recipe():\n    return {"learning_rate": 1e-3}\n'),
]
