"""The optimizer race: several ``bplab.optim`` optimizers descend one 2-D surface from one start.

The model runs each selected optimizer for ``steps`` steps and keeps its trajectory and
losses; the figure shows them up to ``frame`` (the animation's position), so a tick of
the animation costs no computation. Runs are cached by their settings: moving the
momentum slider reruns only the optimizers that use momentum.

Two learning rates, because the two families measure it in different units: for SGD
(plain, momentum, Nesterov) the step is ``lr * gradient``, so a good ``lr`` depends on
the surface's curvature; for the adaptive methods (Adagrad, RMSprop, Adam, AdamW) the
step is about ``lr`` per coordinate whatever the gradient's size.

"Powered by your code": the model can run the learner's lesson-04 step functions
(``sgd_step``, ``sgd_momentum_step``, ``nesterov_step``, ``rmsprop_step``, ``adam_step``,
pure ``(param, grad, state, **hyper) -> (param, state)``) instead of ``bplab.optim``'s
classes for the optimizers listed in :data:`STEP_RULES`. The widget decides whether they
may (their checks pass); this module only receives them as ``rules``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bplab.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from bplab.optim.theory import gd_optimal, heavy_ball_optimal
from bplab.surfaces import SURFACES, get_surface

# name -> (family, factory(params, lr, settings)); the family picks the learning rate
OPTIMIZERS = {
    "SGD": ("sgd", lambda ps, lr, s: SGD(ps, lr=lr)),
    "Momentum": ("sgd", lambda ps, lr, s: SGD(ps, lr=lr, momentum=s.momentum)),
    "Nesterov": ("sgd", lambda ps, lr, s: SGD(ps, lr=lr, momentum=s.momentum, nesterov=s.momentum > 0)),
    "Adagrad": ("adaptive", lambda ps, lr, s: Adagrad(ps, lr=lr)),
    "RMSprop": ("adaptive", lambda ps, lr, s: RMSprop(ps, lr=lr, alpha=s.beta2)),
    "Adam": ("adaptive", lambda ps, lr, s: Adam(ps, lr=lr, betas=(s.beta1, s.beta2))),
    "AdamW": ("adaptive", lambda ps, lr, s: AdamW(ps, lr=lr, betas=(s.beta1, s.beta2))),
}
# the settings each optimizer's run depends on (besides surface and start): the cache key
USES = {"SGD": ("lr",), "Momentum": ("lr", "momentum"), "Nesterov": ("lr", "momentum"),
        "Adagrad": ("adaptive_lr",), "RMSprop": ("adaptive_lr", "beta2"),
        "Adam": ("adaptive_lr", "beta1", "beta2"), "AdamW": ("adaptive_lr", "beta1", "beta2")}

# name -> (lesson-04 step function, its hyperparameters(lr, settings)): the optimizers the learner writes
STEP_RULES = {
    "SGD": ("sgd_step", lambda lr, s: {"lr": lr}),
    "Momentum": ("sgd_momentum_step", lambda lr, s: {"lr": lr, "momentum": s.momentum}),
    "Nesterov": ("nesterov_step", lambda lr, s: {"lr": lr, "momentum": s.momentum}),
    "RMSprop": ("rmsprop_step", lambda lr, s: {"lr": lr, "alpha": s.beta2}),
    "Adam": ("adam_step", lambda lr, s: {"lr": lr, "betas": (s.beta1, s.beta2)}),
}
STATELESS = {"sgd_step"}  # takes (param, grad, lr) and returns only the new parameter

# learning rates (SGD family, adaptive family) that make visible progress in ~150 steps
DEFAULT_LRS = {"quadratic": (1.0, 0.1), "rosenbrock": (1e-3, 0.1), "beale": (1e-3, 0.1),
               "himmelblau": (1e-2, 0.1), "booth": (1e-2, 0.5), "saddle": (1e-2, 0.05)}

ESCAPE = 1e6  # a run that gets this far from the domain (in domain widths) has diverged
RUNS_KEPT = 1024
"""Runs kept by a model (a few kB each): every stop of the kappa slider for four optimizers, and then some."""


@dataclass
class Run:
    """One optimizer's race.

    Attributes
    ----------
    path : ndarray, shape (n + 1, 2)
        Start point, then the point after each step (cut where it diverged).
    loss : ndarray, shape (n + 1,)
        The surface's value along ``path``.
    diverged_at : int or None
        The step at which the run left every bound (NaN, inf, or far away).
    """

    path: np.ndarray
    loss: np.ndarray
    diverged_at: int | None


class StepOptimizer:
    """A pure step function behind the race's optimizer interface: ``step(grads)`` updates ``params`` in place.

    Parameters
    ----------
    params : list of ndarray
        Updated in place by :meth:`step`.
    step_fn : callable
        ``step_fn(param, grad, state, **hyper) -> (new_param, new_state)``, or, when
        ``stateless``, ``step_fn(param, grad, **hyper) -> new_param``.
    stateless : bool
    **hyper
        Passed to ``step_fn`` on every step.
    """

    def __init__(self, params, step_fn, stateless=False, **hyper):
        self.params, self.step_fn, self.stateless, self.hyper = params, step_fn, stateless, hyper
        self.state = [{} for _ in params]  # the first step starts from an empty state

    def step(self, grads):
        for i, (param, grad) in enumerate(zip(self.params, grads, strict=True)):
            if self.stateless:
                new = self.step_fn(param, grad, **self.hyper)
            else:
                new, self.state[i] = self.step_fn(param, grad, self.state[i], **self.hyper)
            param[...] = new


def make_optimizer(name, params, lr, settings, rules=None):
    """The optimizer ``name`` over ``params``: the learner's step function from ``rules`` if it has one, else
    ``bplab.optim``'s class (:data:`OPTIMIZERS`)."""
    if rules is not None and name in STEP_RULES:
        function, hyper = STEP_RULES[name]
        return StepOptimizer(params, getattr(rules, function), function in STATELESS, **hyper(lr, settings))
    return OPTIMIZERS[name][1](params, lr, settings)


def race(surface, name, start, steps, lr, settings, rules=None):
    """Run one optimizer on a surface.

    Parameters
    ----------
    surface : bplab.surfaces.Surface
    name : str
        A key of :data:`OPTIMIZERS`.
    start : ndarray, shape (2,)
    steps : int
    lr : float
    settings : object
        Has ``momentum``, ``beta1``, ``beta2``.
    rules : namespace, optional
        The learner's step functions (names in :data:`STEP_RULES`); ``bplab.optim`` when None.

    Returns
    -------
    Run
    """
    point = np.array(start, dtype=np.float64)
    optimizer = make_optimizer(name, [point], lr, settings, rules)
    path = np.empty((steps + 1, 2))
    path[0] = point
    (x0, x1), (y0, y1) = surface.domain
    bound = ESCAPE * max(x1 - x0, y1 - y0)
    diverged_at = None
    with np.errstate(all="ignore"):  # divergence is expected for large learning rates; reported, not warned
        x, y = point.tolist()  # Python floats: much faster than numpy scalars for 2-D arithmetic
        for t in range(1, steps + 1):
            optimizer.step([np.array(surface.df(x, y))])
            path[t] = point
            x, y = point.tolist()
            if not (abs(x) < bound and abs(y) < bound):  # also catches NaN
                diverged_at = t
                break
        path = path[: t + 1] if diverged_at else path
        loss = surface.value(path)
    return Run(path, loss, diverged_at)


class OptimizerRaceModel:
    """State of the optimizer race.

    Parameters and attributes
    -------------------------
    surface_name : str
        A key of :data:`bplab.surfaces.SURFACES`.
    kappa : float
        Condition number of the quadratic surface.
    optimizers : tuple of str
        Keys of :data:`OPTIMIZERS`.
    lr : float
        Learning rate of SGD, Momentum and Nesterov.
    adaptive_lr : float
        Learning rate of Adagrad, RMSprop, Adam and AdamW.
    momentum : float
        Of Momentum and Nesterov.
    beta1, beta2 : float
        Adam's betas (``beta2`` is also RMSprop's ``alpha``).
    start : ndarray, shape (2,)
    steps : int
    frame : int
        How many steps are shown (0 .. steps), the animation's position.
    rules : namespace or None
        The learner's step functions to run for the optimizers of :data:`STEP_RULES`
        (set at construction); ``bplab.optim``'s classes when None.

    Attributes
    ----------
    surface : Surface
    runs : dict of str to Run
        The selected optimizers' runs.
    theory : dict or None
        For a surface with a positive-definite constant Hessian: ``gd_lr``, ``gd_rate``,
        ``hb_lr``, ``hb_momentum``, ``hb_rate`` (:mod:`bplab.optim.theory`).
    """

    def __init__(self, surface_name="quadratic", kappa=50.0, optimizers=("SGD", "Momentum", "Nesterov", "Adam"),
                 lr=None, adaptive_lr=None, momentum=0.9, beta1=0.9, beta2=0.999, start=None, steps=200, rules=None):
        self._cache = {}
        self.rules = rules
        self.surface_name = surface_name
        self.kappa = kappa
        self.set_surface(surface_name, kappa)
        self.optimizers = tuple(optimizers)
        self.lr = self.lr if lr is None else float(lr)
        self.adaptive_lr = self.adaptive_lr if adaptive_lr is None else float(adaptive_lr)
        self.momentum, self.beta1, self.beta2 = float(momentum), float(beta1), float(beta2)
        if start is not None:
            self.start = np.array(start, dtype=np.float64)
        self.steps = int(steps)
        self.frame = self.steps
        self.recompute()

    def set_surface(self, name, kappa=None):
        """Switch surface; resets the start point and learning rates to the surface's usual ones."""
        if name not in SURFACES:
            raise ValueError(f"unknown surface {name!r}; choose one of {sorted(SURFACES)}")
        self.surface_name = name
        self.kappa = self.kappa if kappa is None else float(kappa)
        self.surface = get_surface(name, kappa=self.kappa) if name == "quadratic" else get_surface(name)
        self.start = self.surface.start.copy()
        self.lr, self.adaptive_lr = DEFAULT_LRS[name]

    def set_kappa(self, kappa):
        """Change the quadratic's condition number (the start point and rates stay)."""
        self.kappa = float(kappa)
        if self.surface_name == "quadratic":
            self.surface = get_surface("quadratic", kappa=self.kappa)

    def surface_key(self):
        return (self.surface_name, self.kappa if self.surface_name == "quadratic" else None)

    def recompute(self):
        """Run (or fetch from the cache) every selected optimizer; update the theory."""
        unknown = [n for n in self.optimizers if n not in OPTIMIZERS]
        if unknown:
            raise ValueError(f"unknown optimizers {unknown}; choose from {list(OPTIMIZERS)}")
        self.steps = max(1, int(self.steps))
        self.frame = int(np.clip(self.frame, 0, self.steps))
        self.runs = {}
        for name in self.optimizers:
            self.runs[name] = self.run_of(name, self.steps)
        self.theory = self._theory()

    def run_of(self, name, steps):
        """Optimizer ``name``'s run of ``steps`` steps with the model's settings, from the cache when a run at
        least that long is kept (its first ``steps`` steps: the same numbers, the loop being the same)."""
        key = (name, self.surface_key(), tuple(self.start), tuple(getattr(self, setting) for setting in USES[name]))
        run = self._cache.pop(key, None)  # taken out and put back: the least recently used go first
        if run is None or (run.diverged_at is None and len(run.path) <= steps):
            lr = self.lr if OPTIMIZERS[name][0] == "sgd" else self.adaptive_lr
            run = race(self.surface, name, self.start, steps, lr, self, self.rules)
            while len(self._cache) >= RUNS_KEPT:  # a learner's session moves many sliders; memory bounded
                del self._cache[next(iter(self._cache))]
        self._cache[key] = run
        if len(run.path) <= steps + 1:  # this long, or diverged at or before ``steps``
            return run
        return Run(run.path[: steps + 1], run.loss[: steps + 1], None)

    def _theory(self):
        H = self.surface.hessian
        if H is None or np.linalg.eigvalsh(H)[0] <= 0:
            return None
        gd_lr, gd_rate = gd_optimal(H)
        hb_lr, hb_momentum, hb_rate = heavy_ball_optimal(H)
        return {"gd_lr": gd_lr, "gd_rate": gd_rate, "hb_lr": hb_lr, "hb_momentum": hb_momentum, "hb_rate": hb_rate}

    def gap(self, loss):
        """What the loss plot shows: ``f - f_min`` (floored for the log scale), or ``f`` without a minimum."""
        if self.surface.min_value is None:
            return loss
        return np.maximum(loss - self.surface.min_value, 1e-16)

    def diverged(self):
        """Names of the selected optimizers whose run diverged, with the step."""
        return {name: run.diverged_at for name, run in self.runs.items() if run.diverged_at is not None}

    def first_step_beyond(self, distance, coordinate=1):
        """For each selected optimizer, the first step at which ``|p[coordinate]| > distance`` (None if never).

        On the saddle ``x² - y²`` with ``coordinate=1`` and ``distance=1``: the step at which a run has left
        the saddle along its escaping direction ``y``.
        """
        steps = {}
        for name, run in self.runs.items():
            beyond = np.flatnonzero(np.abs(run.path[:, coordinate]) > distance)
            steps[name] = int(beyond[0]) if len(beyond) else None
        return steps

