"""Name a constant factor between a wrong answer and the right one.

An answer that is the right one times a constant is usually off by a quantity the check knows: the number of
entries (a 1/N too many or missing), a 2 (a square's derivative, a kept 1/2), ``1 - momentum`` (a damped buffer),
``1 - beta`` or ``lr``. :func:`name_factor` matches the factor against those quantities, their inverses and
their products with 2 or 1/2, within a tight tolerance, and returns every explanation that gives the number.
"""

from __future__ import annotations

import numpy as np

RTOL = 1e-6  # the factor is measured to ~1e-9 from whole arrays; a looser match would name coincidences

# Per quantity: (expression, value from q, sentence saying what the factor means). "{q}" is the quantity's value.
_COUNT = (
    ("{name}", lambda q: q, "not divided by {name} = {q:g} ({what}): is a mean's 1/{name} missing?"),
    ("1/{name}", lambda q: 1 / q, "divided by {name} = {q:g} ({what}): the gradient of a sum has no 1/{name}; "
                                  "is it divided by {name} (or averaged twice)?"),
)
_ONE_MINUS = (
    ("1 - {name}", lambda q: 1 - q, "an extra (1 - {name}) factor ({name} = {q:g}): {extra}"),
    ("1/(1 - {name})", lambda q: 1 / (1 - q), "a missing (1 - {name}) factor ({name} = {q:g}): {missing}"),
)
_PLAIN = (
    ("{name}", lambda q: q, "an extra factor {name} = {q:g}: is it multiplied in twice, or where none belongs?"),
    ("1/{name}", lambda q: 1 / q, "{name} = {q:g} is missing (or divided by): multiply by it once"),
)
_WHAT = {"N": "the number of entries", "rows": "the number of rows", "columns": "the number of columns",
         "batch": "the batch size", "features": "the number of features"}
_ONE_MINUS_WORDS = {
    "momentum": ("the buffer is damped, buf = m*buf + (1-m)*g; torch adds the whole gradient, buf = m*buf + g",
                 "torch's buffer is buf = m*buf + g with no (1 - m) on g"),
    "dampening": ("dampening applied where torch does not (the first step stores the raw gradient), or twice",
                  "dampening is missing: buf = m*buf + (1 - dampening)*g"),
    "beta1": ("the moment is scaled by (1 - beta1) once too often", "the moment update is m = beta1*m + (1-beta1)*g"),
    "beta2": ("the moment is scaled by (1 - beta2) once too often",
              "the moment update is v = beta2*v + (1-beta2)*g**2"),
    "alpha": ("the average is scaled by (1 - alpha) once too often",
              "the average is square_avg = alpha*square_avg + (1-alpha)*grad**2"),
    "p": ("dropout's kept units are scaled by 1/(1 - p), not multiplied by (1 - p)",
          "the kept units are scaled by 1/(1 - p) (inverted dropout)"),
}
_CONSTANTS = (
    ("2", 2.0, "an extra factor 2: is a square's 2 counted twice, or a 1/2 (as in strength/2 * sum(W**2)) lost?"),
    ("1/2", 0.5, "a factor 2 is missing: the derivative of a square brings down a 2 (d/dx of x**2 is 2 * x; "
                 "in front of a square, a 1/2 cancels it)"),
)


def shape_quantities(shape):
    """The counts an array of ``shape`` offers: entries N, rows and columns (those above 1)."""
    shape = tuple(int(s) for s in shape)
    found = {"N": int(np.prod(shape))} if shape else {}
    if len(shape) >= 2:
        found.update(rows=shape[0], columns=shape[-1])
    return {k: v for k, v in found.items() if v > 1}


def _candidates(quantities):
    """(expression, value, sentence) for every single quantity, its derived forms and the constants."""
    out = []
    for name, q in quantities.items():
        q = float(q)
        if not np.isfinite(q) or q == 0:
            continue
        if name in _ONE_MINUS_WORDS:
            extra, missing = _ONE_MINUS_WORDS[name]
            forms = [(e, f, s.replace("{extra}", extra).replace("{missing}", missing)) for e, f, s in _ONE_MINUS]
        elif name in _WHAT or name.startswith("n_"):
            forms = [(e, f, s.replace("{what}", _WHAT.get(name, name))) for e, f, s in _COUNT]
        else:
            forms = list(_PLAIN)
        for expression, value_of, sentence in forms:
            with np.errstate(divide="ignore", invalid="ignore"):
                value = value_of(q)
            if np.isfinite(value) and value != 0 and not np.isclose(value, 1.0, rtol=RTOL, atol=0):
                out.append((expression.format(name=name), float(value), sentence.format(name=name, q=q)))
    return out


def name_factor(factor, quantities, *, constants=True):
    """Every known explanation of ``actual = factor * expected``, as one sentence, or ''.

    Parameters
    ----------
    factor : float
        The measured constant ratio actual / expected.
    quantities : dict of str to float
        Named quantities of the case (``{"N": 7, "momentum": 0.5}``); counts are named ``N``, ``rows``,
        ``columns``, ``batch``, ``features`` (or ``n_*``); ``momentum``, ``dampening``, ``beta1``, ``beta2`` and
        ``p`` get their ``1 - q`` forms; any other name (``lr``, ``strength``) is matched as itself and inverse.
    constants : bool
        Also try 2 and 1/2 (alone and times a quantity).

    Returns
    -------
    str
        ``"off by a constant factor of 0.5 = 1 - momentum: ..."``; explanations that give the same number are all named.
    """
    single = _candidates(quantities)
    constants = list(_CONSTANTS) if constants else []
    # A quantity times 2 or 1/2 (a mean's 1/N together with a lost 2); only tried when nothing simpler fits.
    matches = [(e, s) for e, v, s in single + constants if np.isclose(factor, v, rtol=RTOL, atol=0)]
    if not matches:
        for e, v, s in single:
            for ce, cv, cs in constants:
                if np.isclose(factor, v * cv, rtol=RTOL, atol=0):
                    matches.append((f"{ce} * {e}", f"{s}; and {cs}"))
    if not matches:
        return ""
    seen, unique = set(), []
    for expression, sentence in matches:
        if expression not in seen:
            seen.add(expression)
            unique.append((expression, sentence))
    if len(unique) == 1:
        expression, sentence = unique[0]
        return f"off by a constant factor of {factor:.6g} = {expression}: {sentence}"
    return (f"off by a constant factor of {factor:.6g}, which is each of these here (the inputs cannot tell them apart): "
            + " | ".join(f"{e}: {s}" for e, s in unique))
