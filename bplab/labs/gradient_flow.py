"""The gradient-flow explorer's model: a deep stack measured layer by layer, next to the theory.

Settings: activation, depth, width, init scheme, a scale on the weights, and an
optional residual connection. :meth:`GradientFlowModel.update` measures one
forward/backward pass of a batch through ``bplab.deepnet`` and computes the
mean-field prediction for the same settings.
"""

from __future__ import annotations

import collections
import inspect

import numpy as np

from bplab import deepnet
from bplab import init as initializers

MAX_DEPTH = 50
VANISHING, EXPLODING = 1e-3, 1e3
"""A first-to-last-layer gradient ratio beyond these bounds is called vanishing or exploding."""


def _default_gain(scheme):
    """The gain ``bplab.init`` uses for ``scheme`` (sqrt 2 for He, 1 otherwise), read off its signature.

    Passed explicitly, so a learner's function draws the same distribution as the reference's.
    """
    return inspect.signature(initializers.SCHEMES[scheme]).parameters["gain"].default


class GradientFlowModel:
    """State and computation of the gradient-flow explorer.

    Attributes
    ----------
    activation : str
        A key of ``bplab.deepnet.ACTIVATIONS``.
    depth : int
        1 .. :data:`MAX_DEPTH` layers.
    width : int
        Units per layer.
    scheme : str
        A key of ``bplab.init.SCHEMES``.
    scale : float
        Multiplies every weight (1 = the scheme as published).
    residual : bool
        ``h_l = h_{l-1} + f(a_l)`` instead of ``h_l = f(a_l)``.
    batch : int
        Rows of the input batch. With ``batch * width² < 2**18`` (24 x 96²) OpenBLAS runs each product on one
        thread, which keeps the explorer quick on a busy machine (threads fight for the cores there).
    init_ops : module or namespace
        Where the schemes' functions come from, by name (``bplab.init`` by default; the widget passes
        ``bplab.powered.choose(...).ops``, the learner's ``xavier_uniform``/``he_normal`` once they pass).
        A scheme it lacks falls back to ``bplab.init``.
    stats : bplab.deepnet.LayerStats
        The measurements, after :meth:`update`.
    prediction : bplab.deepnet.Prediction
    message : str
        Non-empty when the numbers left float64's range (overflow/NaN).
    """

    def __init__(self, activation="sigmoid", depth=50, width=64, scheme="standard_uniform", scale=1.0,
                 residual=False, batch=24, seed=0, init_ops=None):
        self.init_ops = initializers if init_ops is None else init_ops
        self.activation, self.depth, self.width = activation, depth, width
        self.scheme, self.scale, self.residual = scheme, scale, residual
        self.batch, self.seed = batch, seed
        self._weights = {}  # (scheme, width, id(init_ops)) -> unscaled matrices, grown to the largest depth asked
        self._inputs = {}
        self._results = collections.OrderedDict()  # every setting -> (stats, prediction): a control moved back
        self.stats = self.prediction = None
        self.message = ""
        self.update()

    RESULTS_KEPT = 64
    """Measurements kept per setting (a few kB each): moving a control back costs no computation."""

    def set(self, **settings):
        """Change settings by name and recompute; returns self."""
        for name, value in settings.items():
            if not hasattr(self, name) or name.startswith("_"):
                raise AttributeError(f"GradientFlowModel has no setting {name!r}")
            setattr(self, name, value)
        return self.update()

    def _check(self):
        if self.activation not in deepnet.ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(deepnet.ACTIVATIONS)}, got {self.activation!r}")
        if self.scheme not in initializers.SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(initializers.SCHEMES)}, got {self.scheme!r}")
        if not 1 <= int(self.depth) <= MAX_DEPTH:
            raise ValueError(f"depth must lie in 1..{MAX_DEPTH}, got {self.depth}")
        if int(self.width) < 1 or not np.isfinite(self.scale) or self.scale <= 0:
            raise ValueError(f"width must be >= 1 and scale > 0, got width={self.width}, scale={self.scale}")

    def weights(self):
        """The current weight matrices: the scheme's draws times ``scale`` (cached per scheme and width)."""
        key = (self.scheme, int(self.width))
        # Keyed by the ops too, so that set(init_ops=...) never reuses another implementation's draws.
        base = self._weights.setdefault((*key, id(self.init_ops)), [])
        if len(base) < self.depth:
            draw = getattr(self.init_ops, self.scheme, initializers.SCHEMES[self.scheme])
            gain = _default_gain(self.scheme)
            # Layer l is drawn from its own seed, so growing the depth never changes the layers before it.
            # The call is the exercise's signature, (fan_in, fan_out, gain=, rng=), with a Generator.
            for layer in range(len(base), self.depth):
                rng = np.random.default_rng([self.seed, layer, key[1]])
                base.append(np.asarray(draw(key[1], key[1], gain=gain, rng=rng), dtype=np.float64))
        return [W * self.scale for W in base[: self.depth]]

    def inputs(self):
        """The batch fed to the network, standard normal, shape (batch, width)."""
        key = (int(self.batch), int(self.width))
        if key not in self._inputs:
            self._inputs[key] = np.random.default_rng([self.seed, *key]).normal(size=key)
        return self._inputs[key]

    def weight_variance(self):
        """``Var[W]`` of one entry, from the scheme's formula and the scale."""
        return initializers.weight_variance(self.scheme, int(self.width), int(self.width)) * self.scale ** 2

    def update(self):
        """Measure the network and predict it; returns self."""
        self._check()
        self.depth, self.width = int(self.depth), int(self.width)
        key = (self.activation, self.depth, self.width, self.scheme, float(self.scale), bool(self.residual),
               int(self.batch), self.seed, id(self.init_ops))
        found = self._results.get(key)
        if found is None or found[0] is not self.init_ops:  # an id can be reused once its object is gone
            with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
                found = (self.init_ops,
                         deepnet.measure(self.inputs(), self.weights(), self.activation, self.residual,
                                         rng=np.random.default_rng([self.seed, 1])),
                         deepnet.predict(self.depth, self.width, self.activation, self.weight_variance(),
                                         self.batch, residual=self.residual))
            self._results[key] = found
            while len(self._results) > self.RESULTS_KEPT:
                self._results.popitem(last=False)
        else:
            self._results.move_to_end(key)
        _, self.stats, self.prediction = found
        finite = all(np.all(np.isfinite(v)) for v in (self.stats.pre_rms, self.stats.grad_norm, self.stats.back_norm))
        self.message = "" if finite else (
            "Overflow: activations or gradients left the float64 range (> 1e308).\n"
            "That is an exploding network; lower the scale or the depth.")
        return self

    def gradient_ratio(self):
        """``||dL/da_1|| / ||dL/da_L||``: how much the backpropagated gradient shrank (< 1) or grew (> 1).

        This is the product of the layers' Jacobians. (The weight gradients'
        ratio can hide an explosion: in a ReLU or linear network a weight scale
        ``s`` multiplies every ``dL/dW_l`` by the same ``s^(L-1)``.)
        """
        first, last = self.stats.back_norm[0], self.stats.back_norm[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(first / last)

    def regime(self):
        """``"vanishing"``, ``"exploding"``, ``"stable"`` (within 1e-3 .. 1e3) or ``"overflow"``."""
        ratio = self.gradient_ratio()
        if self.message or not np.isfinite(ratio):
            return "overflow"
        if ratio < VANISHING:
            return "vanishing"
        if ratio > EXPLODING:
            return "exploding"
        return "stable"
