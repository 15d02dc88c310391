"""The BPTT explorer's model: how the gradient reaching each time step of an RNN depends on ``Wh``.

A vanilla RNN (``bplab.nn.rnn``) reads ``T`` random inputs; the loss reads
only the last hidden state, ``L = mean_n <G_n, h_T[n]>``. Backpropagation
through time then carries ``dL/dh_T`` back, multiplying it at every step by
``diag(f'(a_t)) @ Wh.T``. ``Wh`` is ``ρ`` times a random orthogonal matrix, so
all its eigenvalues have modulus ``ρ`` (its spectral radius) and all its
singular values equal ``ρ``: going back a distance ``k`` scales the gradient by
exactly ``ρ^k`` for a linear RNN, and by at most ``ρ^k`` with tanh or ReLU
(``|f'| <= 1``).

Clipping (:func:`bplab.optim.clip_grad_norm`, Pascanu et al. 2013) rescales the
parameter gradient ``(dWx, dWh, db)`` when its global norm exceeds a threshold;
every time step's contribution shrinks by the same factor.
"""

from __future__ import annotations

import numpy as np

from bplab import init as initializers
from bplab import nn
from bplab.nn.rnn import NONLINEARITIES, hidden_state_gradients
from bplab.optim import clip_grad_norm
from bplab.optim.clip import global_norm


class BPTTModel:
    """State and computation of the BPTT explorer.

    Attributes
    ----------
    rho : float
        Spectral radius of ``Wh``.
    length : int
        Sequence length ``T``.
    nonlinearity : {"tanh", "relu", "linear"}
    clip : bool
        Clip the parameter gradient by its global norm.
    threshold : float
        ``max_norm`` of the clipping.
    hidden, inputs, batch : int
        ``H``, ``D``, ``N``.
    step_norm : ndarray, shape (T,)
        ``||dL/dh_t||`` for ``t = 1 .. T``, after :meth:`update`.
    prediction : ndarray, shape (T,)
        ``ρ^(T - t) ||dL/dh_T||``.
    gradients : list of ndarray
        The parameter gradient ``[dWx, dWh, db]`` before clipping.
    total_norm : float
        Global norm of ``(dWx, dWh, db)`` before clipping.
    coefficient : float
        The factor clipping applied (1 when it did not clip).
    message : str
        Non-empty when numbers overflowed.
    """

    def __init__(self, rho=1.0, length=60, nonlinearity="tanh", clip=False, threshold=1.0, hidden=32, inputs=4,
                 batch=8, seed=0):
        self.rho, self.length, self.nonlinearity = rho, length, nonlinearity
        self.clip, self.threshold = clip, threshold
        self.hidden, self.inputs, self.batch, self.seed = hidden, inputs, batch, seed
        rng = np.random.default_rng(seed)
        self._rotation = initializers.orthogonal(hidden, hidden, rng=rng)
        self._Wx = initializers.xavier_normal(inputs, hidden, rng=rng)
        self._readout = rng.normal(size=(batch, hidden))
        self._x = rng.normal(size=(batch, 0, inputs))
        self._rng = rng
        self.step_norm = self.prediction = None
        self.gradients = []
        self.total_norm, self.coefficient, self.message = float("nan"), 1.0, ""
        self.update()

    def set(self, **settings):
        """Change settings by name and recompute; returns self."""
        for name, value in settings.items():
            if not hasattr(self, name) or name.startswith("_"):
                raise AttributeError(f"BPTTModel has no setting {name!r}")
            setattr(self, name, value)
        return self.update()

    def sequence(self):
        """The inputs, shape (N, T, D): standard normal, grown (never redrawn) as ``length`` grows."""
        missing = int(self.length) - self._x.shape[1]
        if missing > 0:
            self._x = np.concatenate([self._x, self._rng.normal(size=(self.batch, missing, self.inputs))], axis=1)
        return self._x[:, : int(self.length)]

    def recurrent_matrix(self):
        """``Wh = ρ Q`` with ``Q`` orthogonal: spectral radius and every singular value equal ``ρ``."""
        return self.rho * self._rotation

    def _check(self):
        if self.nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity must be one of {', '.join(NONLINEARITIES)}, got {self.nonlinearity!r}")
        if int(self.length) < 1:
            raise ValueError(f"length must be >= 1, got {self.length}")
        if not (np.isfinite(self.rho) and self.rho >= 0):
            raise ValueError(f"rho must be a finite number >= 0, got {self.rho}")

    def update(self):
        """Forward, BPTT, clipping; returns self."""
        self._check()
        T, Wh = int(self.length), self.recurrent_matrix()
        h0, b = np.zeros((self.batch, self.hidden)), np.zeros(self.hidden)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            h, cache = nn.rnn_forward(self.sequence(), h0, self._Wx, Wh, b, nonlinearity=self.nonlinearity)
            dh = np.zeros_like(h)
            dh[:, -1] = self._readout / self.batch  # the loss reads only the last hidden state
            dh_total, (_, _, dWx, dWh, db) = hidden_state_gradients(dh, cache)
            self.step_norm = np.sqrt(np.sum(dh_total * dh_total, axis=(0, 2)))
            distance = np.arange(T - 1, -1, -1)
            self.prediction = self.rho ** distance * self.step_norm[-1]
            self.gradients = [dWx, dWh, db]
            grads = [g.copy() for g in self.gradients]
            self.total_norm = global_norm(grads)
            if self.clip:
                clip_grad_norm(grads, self.threshold)
                self.coefficient = global_norm(grads) / self.total_norm if self.total_norm > 0 else 1.0
            else:
                self.coefficient = 1.0
        finite = np.all(np.isfinite(self.step_norm)) and np.isfinite(self.total_norm)
        self.message = "" if finite else (
            "Overflow: the hidden states or gradients left the float64 range.\n"
            "A linear RNN with ρ > 1 explodes in the forward pass too; shorten the sequence or lower ρ.")
        return self

    def clipped_step_norm(self):
        """What each step contributes after clipping: ``coefficient · ||dL/dh_t||``."""
        return self.coefficient * self.step_norm

    def decay_ratio(self):
        """``||dL/dh_1|| / ||dL/dh_T||``: how the gradient changed over ``T - 1`` steps back."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(self.step_norm[0] / self.step_norm[-1])

