"""Handing in bplab's own reference implementation (the object, an alias, a wrapper, a subclass) scores 0, saying so."""

import shutil
import textwrap

import pytest

from bplab.grading import references, registry, runner
from tests.paths import SOLUTIONS

TIMEOUT = 10.0

DELEGATIONS = {
    "the same object": ("ex02_mlp", "linear_backward",
                        "from bplab.nn import linear_forward, linear_backward\n"),
    "an alias": ("ex02_mlp", "linear_backward",
                 "import bplab.nn.linear as ref\nlinear_forward = ref.linear_forward\nlinear_backward = ref.linear_backward\n"),
    "a thin wrapper": ("ex02_mlp", "linear_backward", textwrap.dedent("""
        from bplab import nn
        def linear_forward(x, W, b):
            return nn.linear_forward(x, W, b)
        def linear_backward(dout, cache):
            return nn.linear_backward(dout, cache)
        """)),
    "a wrapper that hides the exception": ("ex02_mlp", "relu_backward", textwrap.dedent("""
        import numpy as np
        from bplab.nn import relu_forward, relu_backward as _ref
        def relu_backward(dout, cache):
            try:
                return _ref(dout, cache)
            except Exception:
                return dout * (cache > 0)
        """)),
    "a copy of the function object": ("ex02_mlp", "linear_backward", textwrap.dedent("""
        import types
        from bplab.nn import linear_forward
        from bplab.nn import linear as lin
        ref = lin.linear_backward
        linear_backward = types.FunctionType(ref.__code__, ref.__globals__, "linear_backward")
        """)),
    "a subclass of the reference class": ("ex01_chain_rule", "value_add_mul",
                                          "from bplab.autodiff import Value as _Value\nclass Value(_Value):\n    pass\n"),
    "the optimizer class": ("ex04_optimizers", "sgd_step", textwrap.dedent("""
        from bplab.optim import SGD
        def sgd_step(param, grad, lr=0.1, weight_decay=0.0):
            opt = SGD([param], lr=lr, weight_decay=weight_decay)
            opt.step([grad])
            return param
        """)),
}


@pytest.mark.parametrize("case", list(DELEGATIONS))
def test_delegating_to_the_reference_scores_zero(tmp_path, case):
    module, check_name, source = DELEGATIONS[case]
    (tmp_path / f"{module}.py").write_text(source)
    checks = [c for c in registry.checks_of(module[2:4]) if c.name == check_name]
    [outcome] = runner.grade(checks, tmp_path, timeout=TIMEOUT)
    assert outcome.score == 0, (outcome.status, outcome.message)
    assert "bplab's own reference" in outcome.message, outcome.message


def test_own_code_beside_reference_helpers_still_scores(tmp_path):
    """Using the reference for what is not graded (ex02's forward activations) is fine: the solutions do it."""
    shutil.copy(SOLUTIONS / "ex02_mlp.py", tmp_path)
    outcomes = runner.grade(registry.checks_of("02"), tmp_path, timeout=TIMEOUT)
    assert all(o.status == "passed" for o in outcomes), [(o.check.name, o.message) for o in outcomes if o.score == 0]


def test_references_are_found_for_the_graded_functions():
    import bplab.autodiff  # noqa: F401 - references are looked up among loaded modules, as in the zygote
    import bplab.nn  # noqa: F401
    import bplab.optim  # noqa: F401

    found = references.references(("linear_backward", "Value", "sgd_step"))
    assert {"bplab.nn.linear.linear_backward", "bplab.autodiff.Value", "bplab.optim.sgd.SGD"} <= set(found)
