"""An exception in the learner's code is told in terms of their line (bplab.grading.tracebacks)."""

from __future__ import annotations

import importlib.util
import textwrap

import numpy as np
import pytest

from bplab.grading import tracebacks

LEARNER = '''
import numpy as np


def linear_forward(x, W, b):
    """Forward.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    W : ndarray, shape (D, M)
    b : ndarray, shape (M,)

    Returns
    -------
    out : ndarray, shape (N, M)
    cache : tuple
    """
    out = x @ W + b
    cache = (x, W, b)
    return out, cache


def linear_backward(dout, cache):
    """Backward.

    Parameters
    ----------
    dout : ndarray, shape (N, M)
    cache : tuple
        From ``linear_forward``.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dW : ndarray, shape (D, M)
    db : ndarray, shape (M,)
    """
    x, W, b = cache
    dx = dout @ W
    return dx, x.T @ dout, dout.sum(axis=0)


def unpack_two(dout, cache):
    x, W = cache
    return x


def swapped_cache(dout, cache):
    W, x, b = cache
    return x


def calls_swapped(x, W, b, dout):
    out, cache = linear_forward(x, W, b)
    return linear_backward(cache, dout)


def unpacks_swapped(x, W, b, dout):
    out, cache = linear_forward(x, W, b)
    dW, dx, db = linear_backward(dout, cache)
    return dW


def misspelt(dout, cache):
    x, W, b = cache
    dW = x.T @ dout
    return dw


def layers(hs, dh):
    k = 0
    return dh * (1 - hs[k] ** 2)


def raises_its_own(x):
    raise ValueError("my own message")


def noisy(x, rng):
    return x + rng.randn(*x.shape)


def centred(x, running):
    """Centre.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    running : ndarray, shape (D,)
    """
    mean = np.var(x, axis=1)
    return running + mean


def forward_only(x):
    """Forward.

    Returns
    -------
    out : ndarray, shape (N,)
    cache : tuple
    """
    return x * 2
'''


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    path = tmp_path_factory.mktemp("learner") / "ex_learner.py"
    path.write_text(textwrap.dedent(LEARNER))
    spec = importlib.util.spec_from_file_location("ex_learner", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, str(path)


def _told(learner, name, *args):
    module, path = learner
    with pytest.raises(Exception) as info:
        getattr(module, name)(*args)
    return tracebacks.describe(info.value, path)


def _arrays():
    rng = np.random.default_rng(0)
    return rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(5, 3))


def test_a_matrix_product_names_its_operands_shapes_and_the_product_that_fits(learner):
    x, W, b, dout = _arrays()
    told = _told(learner, "linear_backward", dout, (x, W, b))
    assert "`dout @ W`" in told and "dout (5, 3)" in told and "W (4, 3)" in told
    assert "dx has the shape of x (5, 4)" in told and "dout @ W.T" in told


def test_an_unpacking_says_what_the_cache_holds_and_how_the_forward_built_it(learner):
    x, W, b, dout = _arrays()
    told = _told(learner, "unpack_two", dout, (x, W, b))
    assert "unpacks 2 names" in told and "holds 3 values" in told


def test_swapped_arguments_are_named_at_the_call(learner):
    x, W, b, dout = _arrays()
    told = _told(learner, "calls_swapped", x, W, b, dout)
    assert "linear_backward(cache, dout)" in told and "wrong order" in told


def test_a_misspelt_name_is_named_with_what_is_close(learner):
    x, W, b, dout = _arrays()
    assert "misspelling of dW" in _told(learner, "misspelt", dout, (x, W, b))


def test_an_elementwise_shape_error_tries_the_neighbouring_index(learner):
    hs = [np.ones((4, 6)), np.ones((4, 3))]
    told = _told(learner, "layers", hs, np.ones((4, 3)))
    assert "hs[k + 1]" in told and "(4, 6)" in told


def test_the_learners_own_exception_is_left_alone(learner):
    assert _told(learner, "raises_its_own", 1) is None


def test_notes_name_an_unpacking_in_another_order_than_the_code_builds_or_returns(learner):
    module, _ = learner
    assert tracebacks.notes(module.linear_backward) == ""
    assert "returns (dx, dW, db)" in tracebacks.notes(module.unpacks_swapped)
    assert "wrong order" in tracebacks.notes(module.calls_swapped)


def test_prose_after_the_returns_entries_is_not_read_as_more_values():
    import ast

    source = textwrap.dedent('''
        def step_backward(dh, cache):
            """One step.

            Returns
            -------
            dx : ndarray, shape (N, D)
            db : ndarray, shape (H,)

            Your two stages, :func:`a` then :func:`b`, are this
            function: call them.
            """
        ''')
    function = ast.parse(source).body[0]
    assert [name for name, _ in tracebacks.declared._docstring_section(function, "Returns")] == ["dx", "db"]


def test_a_legacy_random_name_on_a_generator_names_the_generator_method(learner):
    told = _told(learner, "noisy", np.zeros((2, 3)), np.random.default_rng(0))
    assert "rng.standard_normal" in told and "size=x.shape" in told


def test_a_reduction_over_the_wrong_axis_names_the_axis_that_fits(learner):
    told = _told(learner, "centred", np.zeros((6, 4)), np.zeros(4))
    assert "np.var(x, axis=1)" in told and "axis 0 is N" in told and "axis=0 gives (4,)" in told


def test_a_check_unpacking_a_learner_result_says_what_it_returned(learner):
    from bplab.grading.harness import call

    module, path = learner
    with pytest.raises(ValueError) as info:
        (out, cache), _ = call(module.forward_only, np.zeros(3), names=("x",))
    told = tracebacks.describe(info.value, path)
    assert told.startswith("forward_only returned 1 value (an ndarray of shape (3,))") and "(out, cache)" in told
