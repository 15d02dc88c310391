"""Two-dimensional test surfaces for optimizers: value, gradient, known minima, start point, domain.

Every surface is a :class:`Surface` whose ``value`` and ``gradient`` work on points of
shape ``(..., 2)`` (one point, a trajectory, or a whole plotting grid in one call)::

    s = rosenbrock()
    s.value(np.array([1.0, 1.0]))          # 0.0
    s.gradient(s.start)                    # array of shape (2,)
    s.value(np.stack([X, Y], axis=-1))     # a contour grid

The formulas are the standard ones of the optimization test-function literature
(Rosenbrock 1960; Beale 1958; Himmelblau 1972; Booth). The quadratic is
``f(p) = 1/2 p^T H p`` with ``H = R diag(1/kappa, 1) R^T``: its largest curvature is 1
whatever the condition number, so one learning rate (about 1) suits every ``kappa``,
and its Hessian is exposed for the theory of :mod:`bplab.optim.theory`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bplab.validation import as_float_array


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface.

    Attributes
    ----------
    name : str
        Short identifier (``"rosenbrock"``).
    title : str
        For plots: the name and the formula in plain Unicode (mathtext would slow every redraw).
    f : callable
        ``f(x, y) -> value``, elementwise on arrays.
    df : callable
        ``df(x, y) -> (df/dx, df/dy)``, elementwise on arrays.
    minima : tuple of (float, float)
        The global minimizers (empty for the saddle, which has none).
    min_value : float or None
        The minimum value (None when unbounded below).
    start : ndarray, shape (2,)
        The usual start point.
    domain : ((float, float), (float, float))
        ``((xmin, xmax), (ymin, ymax))`` for plots.
    hessian : ndarray, shape (2, 2), or None
        The constant Hessian of a quadratic surface (None otherwise).
    """

    name: str
    title: str
    f: object = field(repr=False)
    df: object = field(repr=False)
    minima: tuple
    min_value: float | None
    start: np.ndarray = field(repr=False)
    domain: tuple
    hessian: np.ndarray | None = field(default=None, repr=False)

    def value(self, p):
        """The loss at points ``p``.

        Parameters
        ----------
        p : array_like, shape (..., 2)

        Returns
        -------
        ndarray, shape (...)
        """
        p = _points(p)
        return self.f(p[..., 0], p[..., 1])

    def gradient(self, p):
        """The gradient at points ``p``.

        Parameters
        ----------
        p : array_like, shape (..., 2)

        Returns
        -------
        ndarray, shape (..., 2)
        """
        p = _points(p)
        gx, gy = self.df(p[..., 0], p[..., 1])
        return np.stack([gx, gy], axis=-1)

    def grid(self, n=120):
        """``(X, Y, Z)`` on an ``n x n`` grid over the domain, for contour plots."""
        (x0, x1), (y0, y1) = self.domain
        X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        return X, Y, self.f(X, Y)


def _points(p):
    p = as_float_array(p, "p")
    if p.ndim == 0 or p.shape[-1] != 2:
        raise ValueError(f"p must have shape (..., 2) (points in the plane), got {p.shape}")
    return p


def quadratic(kappa=10.0, angle=np.pi / 6):
    """``1/2 p^T H p``, ``H`` with eigenvalues ``1/kappa`` and ``1`` along axes rotated by ``angle``.

    Parameters
    ----------
    kappa : float, default 10
        Condition number ``lambda_max / lambda_min``, >= 1.
    angle : float, default pi/6
        Rotation of the eigenvectors (0 aligns them with the axes, which flatters
        per-coordinate methods such as Adam).

    Returns
    -------
    Surface
    """
    kappa = float(kappa)
    if not np.isfinite(kappa) or kappa < 1:
        raise ValueError(f"kappa (the condition number) must be a finite number >= 1, got {kappa}")
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    H = R @ np.diag([1.0 / kappa, 1.0]) @ R.T
    a, b, d = H[0, 0], H[0, 1], H[1, 1]
    return Surface(
        name="quadratic", title="quadratic ½pᵀHp",
        f=lambda x, y: 0.5 * (a * x * x + 2 * b * x * y + d * y * y),
        df=lambda x, y: (a * x + b * y, b * x + d * y),
        minima=((0.0, 0.0),), min_value=0.0, start=np.array([-1.5, 1.0]), domain=((-2.0, 2.0), (-2.0, 2.0)),
        hessian=H)


def rosenbrock(a=1.0, b=100.0):
    """Rosenbrock's banana valley ``(a - x)^2 + b (y - x^2)^2``; minimum ``(a, a^2)``, start ``(-1.2, 1)``."""
    return Surface(
        name="rosenbrock", title="Rosenbrock (1−x)² + 100(y−x²)²",
        f=lambda x, y: (a - x) ** 2 + b * (y - x * x) ** 2,
        df=lambda x, y: (-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)),
        minima=((a, a * a),), min_value=0.0, start=np.array([-1.2, 1.0]), domain=((-2.0, 2.0), (-1.0, 3.0)))


def _beale_terms(x, y):
    return (1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y**3)


def _beale_grad(x, y):
    t1, t2, t3 = _beale_terms(x, y)
    gx = 2 * t1 * (y - 1) + 2 * t2 * (y * y - 1) + 2 * t3 * (y**3 - 1)
    gy = 2 * t1 * x + 2 * t2 * 2 * x * y + 2 * t3 * 3 * x * y * y
    return gx, gy


def beale():
    """Beale's function; minimum 0 at ``(3, 0.5)``; flat plateaus and steep walls."""
    return Surface(
        name="beale", title="Beale Σᵢ (cᵢ − x + xyⁱ)²",
        f=lambda x, y: sum(t * t for t in _beale_terms(x, y)), df=_beale_grad,
        minima=((3.0, 0.5),), min_value=0.0, start=np.array([1.0, 1.5]), domain=((-4.5, 4.5), (-4.5, 4.5)))


# Himmelblau's minima: (3, 2) exactly; the other three are roots of a polynomial system,
# given to 15 digits (tests refine them with Newton's method and check they agree).
HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                     (-3.779310253377747, -3.283185991286170), (3.584428340330492, -1.848126526964404))


def himmelblau():
    """Himmelblau's ``(x^2 + y - 11)^2 + (x + y^2 - 7)^2``: four minima of value 0."""
    return Surface(
        name="himmelblau", title="Himmelblau (x²+y−11)² + (x+y²−7)²",
        f=lambda x, y: (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
        df=lambda x, y: (4 * x * (x * x + y - 11) + 2 * (x + y * y - 7),
                         2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)),
        minima=HIMMELBLAU_MINIMA, min_value=0.0, start=np.array([0.0, 0.0]), domain=((-5.0, 5.0), (-5.0, 5.0)))


def booth():
    """Booth's ``(x + 2y - 7)^2 + (2x + y - 5)^2``: a quadratic (eigenvalues 2 and 18), minimum ``(1, 3)``."""
    return Surface(
        name="booth", title="Booth (x+2y−7)² + (2x+y−5)²",
        f=lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
        df=lambda x, y: (2 * (x + 2 * y - 7) + 4 * (2 * x + y - 5), 4 * (x + 2 * y - 7) + 2 * (2 * x + y - 5)),
        minima=((1.0, 3.0),), min_value=0.0, start=np.array([-8.0, -8.0]), domain=((-10.0, 10.0), (-10.0, 10.0)),
        hessian=np.array([[10.0, 8.0], [8.0, 10.0]]))


def saddle():
    """The saddle ``x^2 - y^2``: no minimum; start just off the ridge, where the gradient is tiny."""
    return Surface(
        name="saddle", title="saddle x² − y²",
        f=lambda x, y: x * x - y * y, df=lambda x, y: (2 * x, -2 * y),
        minima=(), min_value=None, start=np.array([-1.5, 1e-3]), domain=((-2.0, 2.0), (-2.0, 2.0)),
        hessian=np.diag([2.0, -2.0]))


SURFACES = {"quadratic": quadratic, "rosenbrock": rosenbrock, "beale": beale, "himmelblau": himmelblau,
            "booth": booth, "saddle": saddle}


def get_surface(name, **kwargs):
    """A surface by name (``"quadratic"``, ``"rosenbrock"``, ...); ``kwargs`` go to its factory."""
    if name not in SURFACES:
        raise ValueError(f"unknown surface {name!r}; choose one of {sorted(SURFACES)}")
    return SURFACES[name](**kwargs)
