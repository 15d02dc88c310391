"""bplab.gradcheck: numbers against closed forms, and every diagnosis against a deliberately wrong implementation."""

import numpy as np
import pytest

from bplab import gradcheck
from bplab.grading import in_place, wrong_answers


@pytest.fixture
def batch():
    rng = np.random.default_rng(0)
    N, D, M = 6, 4, 3
    x, W, b = rng.normal(size=(N, D)), rng.normal(size=(D, M)), rng.normal(size=M)
    return x, W, b


def mean_squared_output(x, W, b):
    """L = mean over the batch of sum((x W + b)^2): written out independently of bplab.nn."""
    return np.sum((x @ W + b) ** 2) / x.shape[0]


def true_dW(x, W, b):
    return x.T @ (2 * (x @ W + b)) / x.shape[0]


def numeric_dW(x, W, b):
    return gradcheck.numerical_gradient(lambda w: mean_squared_output(x, w, b), W.copy())


def test_numerical_gradient_matches_closed_form(batch):
    x, W, b = batch
    assert gradcheck.rel_error(numeric_dW(x, W, b), true_dW(x, W, b)) < 1e-8


def test_numerical_gradient_restores_its_input(batch):
    x, W, b = batch
    before = W.copy()
    numeric_dW(x, W, b)
    gradcheck.numerical_gradient(lambda w: np.sum(np.sin(w)), W)
    assert np.array_equal(W, before)


def test_numerical_gradient_array_is_the_vector_jacobian_product():
    rng = np.random.default_rng(1)
    x, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    numeric = gradcheck.numerical_gradient_array(np.tanh, x.copy(), dout)
    assert gradcheck.rel_error(numeric, dout * (1 - np.tanh(x) ** 2)) < 1e-9


def test_sampled_gradient_matches_the_full_one():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 30))
    indices, values = gradcheck.sampled_numerical_gradient(lambda v: np.sum(v ** 3), x, 25, rng)
    assert indices.size == 25 and len(set(indices.tolist())) == 25
    assert gradcheck.rel_error(values, 3 * x.reshape(-1)[indices] ** 2) < 1e-8


def test_numerical_gradient_refuses_arrays_it_cannot_perturb():
    with pytest.raises(TypeError, match="float64"):
        gradcheck.numerical_gradient(np.sum, np.arange(3))


def test_rel_error_values():
    a = np.array([1.0, -2.0, 3.0])
    assert gradcheck.rel_error(a, a) == 0
    assert gradcheck.rel_error(a, -a) == pytest.approx(1.0)
    assert gradcheck.rel_error(np.zeros(3), np.zeros(3)) == 0
    with pytest.raises(ValueError, match="shape"):
        gradcheck.rel_error(a, a[:2])


def test_a_correct_gradient_passes(batch):
    result = gradcheck.compare("dW", true_dW(*batch), numeric_dW(*batch))
    assert result.passed and result.error < 1e-8 and result.diagnosis == ""


def test_a_gradient_off_by_a_tenth_of_a_percent_fails(batch):
    result = gradcheck.compare("dW", 1.001 * true_dW(*batch), numeric_dW(*batch))
    assert not result.passed
    assert "constant factor of 1.001" in result.diagnosis


def test_sign_flipped(batch):
    result = gradcheck.compare("dW", -true_dW(*batch), numeric_dW(*batch))
    assert not result.passed and "sign flipped" in result.diagnosis
    assert result.where.startswith("dW[")


def test_batch_average_forgotten(batch):
    x, W, b = batch
    forgot_mean = x.T @ (2 * (x @ W + b))
    result = gradcheck.compare("dW", forgot_mean, numeric_dW(x, W, b), batch_size=x.shape[0])
    assert "factor of N = 6 (the batch size)" in result.diagnosis


def test_batch_average_applied_twice(batch):
    x, W, b = batch
    result = gradcheck.compare("dW", true_dW(x, W, b) / 6, numeric_dW(x, W, b), batch_size=6)
    assert "applied twice" in result.diagnosis


def test_constant_factor_two():
    rng = np.random.default_rng(3)
    x = rng.normal(size=5)
    result = gradcheck.compare("grad", x, gradcheck.numerical_gradient(lambda v: np.sum(v ** 2), x.copy()))
    assert "factor of 0.5 = 1/2" in result.diagnosis and "a factor 2 is missing" in result.diagnosis


def test_constant_factor_named_from_the_shape_and_the_case():
    rng = np.random.default_rng(4)
    expected = rng.normal(size=(3, 7))
    assert "= 1/N: divided by N = 21" in gradcheck.compare("dx", expected / 21, expected).diagnosis
    assert "= 1/rows" in gradcheck.compare("dx", expected / 3, expected).diagnosis
    damped = gradcheck.compare("buf", 0.1 * expected, expected, factors={"momentum": 0.9}).diagnosis
    assert "= 1 - momentum" in damped and "damped" in damped
    both = gradcheck.compare("buf", 0.5 * expected, expected, factors={"momentum": 0.5}).diagnosis
    assert "1 - momentum" in both and "1/2" in both  # the same number: both named
    lr = gradcheck.compare("step", 0.01 * expected, expected, factors={"lr": 0.01}).diagnosis
    assert "= lr" in lr


def test_constant_factor_unnamed_when_nothing_matches():
    rng = np.random.default_rng(5)
    expected = rng.normal(size=(3, 7))
    result = gradcheck.compare("dx", 0.3 * expected, expected, factors={"momentum": 0.9, "lr": 0.1})
    assert result.diagnosis.startswith("off by a constant factor of 0.3")
    near = gradcheck.compare("dx", expected / 21.001, expected).diagnosis  # close to 1/N, not it
    assert near.startswith("off by a constant factor") and "= 1/N" not in near


def test_transposed_rectangular(batch):
    x, W, b = batch
    transposed = (2 * (x @ W + b)).T @ x / x.shape[0]
    result = gradcheck.compare("dW", transposed, numeric_dW(x, W, b))
    assert "transposed" in result.diagnosis and "shape (3, 4)" in result.detail


def test_transposed_square():
    rng = np.random.default_rng(4)
    x, W = rng.normal(size=(5, 3)), rng.normal(size=(3, 3))
    numeric = gradcheck.numerical_gradient(lambda w: np.sum(np.sin(x @ w)), W.copy())
    analytic = x.T @ np.cos(x @ W)
    assert gradcheck.compare("dW", analytic, numeric).passed
    assert "transposed" in gradcheck.compare("dW", analytic.T, numeric).diagnosis


def test_zero_gradient(batch):
    result = gradcheck.compare("dW", np.zeros((4, 3)), numeric_dW(*batch))
    assert "zero gradient" in result.diagnosis


def test_missing_gradient(batch):
    result = gradcheck.compare("dW", None, numeric_dW(*batch))
    assert not result.passed and "missing" in result.diagnosis and "None" in result.message


def test_gradient_not_accumulated_at_fan_out():
    """f(x) = x * x with a backward that overwrites instead of adding: the gradient of one use only."""
    x = np.array([1.5, -0.5, 2.0])
    numeric = gradcheck.numerical_gradient(lambda v: np.sum(v * v), x.copy())
    overwritten = x.copy()                      # d(x*x)/dx through one edge only
    result = gradcheck.compare("dx", overwritten, numeric,
                               mistakes={"not accumulated: x is used twice, add the gradients of both uses": x})
    assert "not accumulated" in result.diagnosis


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf(batch, bad):
    wrong = true_dW(*batch)
    wrong[2, 1] = bad
    result = gradcheck.compare("dW", wrong, numeric_dW(*batch))
    assert "NaN or inf" in result.diagnosis and "dW[2, 1]" in result.detail


def test_wrong_shape(batch):
    result = gradcheck.compare("db", np.zeros((3, 1)), np.ones(3))
    assert "wrong shape" in result.diagnosis and "(3, 1)" in result.detail


@pytest.mark.parametrize("dtype", [np.float32, np.int64, bool])
def test_wrong_dtype(batch, dtype):
    result = gradcheck.compare("dW", true_dW(*batch).astype(dtype), numeric_dW(*batch))
    assert "wrong dtype" in result.diagnosis


def test_wrong_type():
    result = gradcheck.compare("dx", "0.5", np.ones(2))
    assert "wrong type" in result.diagnosis
    assert "wrong type" in gradcheck.compare("dx", {"__unsupported__": "Tensor"}, np.ones(2)).diagnosis


def _scale_forward(x, w):
    return x * w, (x, w)


def _scale_backward(dout, cache):
    x, w = cache
    return dout * w, np.sum(dout * x, axis=0)


def test_check_layer_passes_a_correct_layer():
    rng = np.random.default_rng(5)
    results = gradcheck.check_layer(_scale_forward, _scale_backward,
                                    {"x": rng.normal(size=(4, 3)), "w": rng.normal(size=3)})
    assert all(r.passed for r in results), [str(r) for r in results]


def test_check_layer_catches_an_input_modified_in_place():
    def forward_in_place(x, w):
        x *= w
        return x, (x / w, w)

    rng = np.random.default_rng(6)
    results = gradcheck.check_layer(forward_in_place, _scale_backward,
                                    {"x": rng.normal(size=(4, 3)), "w": rng.normal(size=3) + 3})
    modified = results[0]
    assert not modified.passed and "modified in place" in modified.diagnosis and "x" in modified.detail


def test_check_layer_names_a_wrong_number_of_gradients():
    rng = np.random.default_rng(7)
    results = gradcheck.check_layer(_scale_forward, lambda dout, cache: dout * cache[1],
                                    {"x": rng.normal(size=(4, 3)), "w": rng.normal(size=3)})
    assert any("expected 2" in r.message for r in results)


def test_sampled_check_gradient():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(50, 40))
    assert gradcheck.check_gradient(lambda v: np.sum(np.exp(v)), x, np.exp(x), sample=20, rng=rng).passed
    assert not gradcheck.check_gradient(lambda v: np.sum(np.exp(v)), x, -np.exp(x), sample=20, rng=rng).passed


def test_unpack_pads_missing_values():
    assert wrong_answers.unpack((1, 2), 3, "f") == [1, 2, None]
    assert wrong_answers.unpack(None, 2, "f") == [None, None]
    assert wrong_answers.unpack(5, 1, "f") == [5]


def test_a_scalar_is_not_called_off_by_a_constant_factor():
    assert gradcheck.compare("loss", 1.3, 1.2).diagnosis == ""
    assert "batch size" in gradcheck.compare("loss", 12.0, 3.0, batch_size=4).diagnosis


def test_numerical_gradient_of_a_non_contiguous_array():
    """A transposed view must be perturbed in place too (reshape(-1) would silently copy it)."""
    x = np.random.default_rng(9).normal(size=(3, 4)).T
    assert not x.flags.c_contiguous
    assert gradcheck.rel_error(gradcheck.numerical_gradient(lambda v: np.sum(v ** 3), x), 3 * x ** 2) < 1e-8


# -- diagnoses that name the mistake (issue 14) ------------------------------------------------------------------

def test_a_known_mistake_of_another_shape_is_named_before_the_shape():
    dout = np.random.default_rng(10).normal(size=(5, 3))
    result = gradcheck.compare("db", dout, dout.sum(axis=0), mistakes={"db is not summed over the batch": dout})
    assert not result.passed and result.diagnosis == "db is not summed over the batch"
    assert "has shape (5, 3)" in result.detail


def test_every_matching_mistake_is_named_when_the_inputs_cannot_tell_them_apart():
    x = np.array([1.0, 2.0, 3.0])
    result = gradcheck.compare("dx", 2 * x, x, mistakes={"a 2 too many": 2 * x, "the square's factor": x + x,
                                                          "unrelated": 3 * x})
    assert "a 2 too many" in result.diagnosis and "the square's factor" in result.diagnosis
    assert "unrelated" not in result.diagnosis


def test_a_mistake_that_equals_the_right_answer_is_never_named():
    x = np.array([1.0, -2.0, 3.0])
    result = gradcheck.compare("dx", 1.5 * x, x, mistakes={"looks wrong but is right here": x.copy(),
                                                           "far off": -x})
    assert "right here" not in result.diagnosis and "far off" not in result.diagnosis


def test_any_of_names_a_mistake_whichever_form_it_takes():
    x = np.arange(4.0)
    mistakes = {"overwritten instead of added": gradcheck.AnyOf(x * 0 + 1, x[::-1].copy())}
    assert gradcheck.compare("dx", x[::-1].copy(), x + 10, mistakes=mistakes).diagnosis == "overwritten instead of added"


def test_round_off_is_never_called_a_constant_factor():
    """Two arrays of order 1e-16 have a 'ratio', and it means nothing."""
    result = gradcheck.compare("dx", np.full(3, -7.7e-17), np.full(3, 1e-16))
    assert "factor" not in result.diagnosis
    assert "zeros" in result.diagnosis


def test_forward_values_are_called_outputs_not_gradients():
    out = gradcheck.compare("out (stride 2, pad 1)", np.zeros((2, 3)), np.zeros((2, 2)))
    assert "output" in out.diagnosis and "gradient" not in out.diagnosis
    grad = gradcheck.compare("dW (stride 2, pad 1)", np.zeros((2, 3)), np.zeros((2, 2)))
    assert "gradient" in grad.diagnosis
    assert "gradient" in gradcheck.compare("expression 1: d/dx", np.zeros(2), np.zeros(3)).diagnosis


def _crossed(witness):
    """``witness`` as the judge receives it: through the child's JSON encoding."""
    from bplab.grading import encode
    return encode.from_jsonable(encode.loads(encode.dumps(encode.to_jsonable(witness))))


def _inputs(seed=11):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(2, 3)), rng.normal(size=3)


def test_the_judge_names_an_input_the_call_changed():
    from bplab.grading.harness import call

    def scales_in_place(x, w):
        x *= w
        return x

    x, w = _inputs()
    _, seen = call(scales_in_place, x, w, names=("x", "w"))
    assert np.array_equal(x, _inputs()[0]), "call passes copies: the caller's x is intact"
    verdict = in_place.not_modified(_crossed([seen]), inputs=[_inputs()])
    assert not verdict.passed and verdict.detail == "x changed by the call"
    assert "input modified in place" in verdict.diagnosis
    _, seen = call(lambda x, w: x * w, x, w, names=("x", "w"))
    assert in_place.not_modified(_crossed([seen]), inputs=[_inputs()]).passed


def test_the_judge_compares_with_its_own_inputs_not_the_childs():
    """The witness's "before" copies are ignored for inputs the judge regenerates: only a cache is judged from them."""
    from bplab.grading.harness import call

    x, w = _inputs()
    _, seen = call(lambda x, w: x * w, x, w, names=("x", "w"))
    other = _inputs(seed=12)
    verdict = in_place.not_modified(_crossed([seen]), inputs=[other])
    assert not verdict.passed and verdict.detail == "x, w changed by the call"
    seen["before"] = seen["after"]  # a child's claim that nothing changed does not help either
    assert not in_place.not_modified(_crossed([seen]), inputs=[other]).passed


def test_a_missing_or_malformed_witness_fails():
    from bplab.grading.harness import call

    x, w = _inputs()
    _, seen = call(lambda x, w: x * w, x, w, names=("x", "w"))
    _, seen_back = call(lambda d, c: d * c[0], x, (x, w), names=("dout", "cache"), repeat=True)
    calls = [_inputs(), (x, in_place.Cache(repeat=True))]
    assert in_place.not_modified(_crossed([seen, seen_back]), inputs=calls).passed
    forged = {
        "no witness": None,
        "the claim of the old API, (result, [])": [],
        "an empty witness per call": [[], []],
        "one call of two": [seen],
        "a string": "nothing changed",
        "no arguments after the call": [{**seen, "after": None}, seen_back],
        "too few arguments": [{**seen, "after": seen["after"][:1]}, seen_back],
        "no copy of the cache before": [seen, {**seen_back, "before": None}],
        "no second call": [seen, {**seen_back, "again": None}],
        "a second call without results": [seen, {**seen_back, "again": {"first": 1.0}}],
    }
    for case, witness in forged.items():
        verdict = in_place.not_modified(_crossed(witness), inputs=calls)
        assert not verdict.passed, case
        assert verdict.detail.startswith("no usable record of the call's inputs came back"), (case, verdict.detail)
        assert "harness.call" in verdict.diagnosis


def test_forged_arrays_of_another_shape_or_type_count_as_changed():
    from bplab.grading.harness import call

    x, w = _inputs()
    _, seen = call(lambda x, w: x * w, x, w, names=("x", "w"))
    for after in ([x.ravel(), w], [x.astype(np.float32), w], [x.tolist(), w], [None, w], [x[:1], w]):
        verdict = in_place.not_modified(_crossed([{**seen, "after": after}]), inputs=[_inputs()])
        assert not verdict.passed and verdict.detail == "x changed by the call", after


def test_the_judge_names_an_array_changed_inside_a_cache():
    from bplab.grading.harness import call

    def backward_in_place(dout, cache):
        x, w = cache
        x *= w  # in place, on the cached x
        return dout * x

    x, w = _inputs()
    dout = np.ones(3)
    _, seen = call(backward_in_place, dout, (x[0].copy(), w), names=("dout", "cache"))
    verdict = in_place.not_modified(_crossed([seen]), inputs=[(dout, in_place.Cache())])
    assert not verdict.passed and verdict.detail == "cache[0] changed by the call"
    assert "cache" in verdict.diagnosis and "second backward" in verdict.diagnosis


def test_the_judge_sees_a_second_call_on_a_cache_differ():
    from bplab.grading.harness import call

    def backward_pops(dout, cache):
        return dout * cache.pop("x")  # a second backward on this cache fails

    def backward_counts(dout, cache):
        cache["calls"].append(1)  # no array changes, yet a second call differs
        return dout * len(cache["calls"])

    dout = np.ones(2)
    twice = [(dout, in_place.Cache(repeat=True))]
    _, seen = call(backward_pops, dout, {"x": np.full(2, 3.0)}, names=("dout", "cache"), repeat=True)
    verdict = in_place.not_modified(_crossed([seen]), inputs=twice)
    assert not verdict.passed and "cache (a second call on it raised KeyError)" in verdict.detail
    _, seen = call(backward_counts, dout, {"calls": []}, names=("dout", "cache"), repeat=True)
    verdict = in_place.not_modified(_crossed([seen]), inputs=twice)
    assert verdict.detail == "cache['calls'], cache (a second call on it gave another result) changed by the call"
    assert "second backward on it gives other gradients" in verdict.diagnosis
    _, seen = call(lambda d, c: d * c["x"], dout, {"x": np.full(2, 3.0)}, names=("dout", "cache"), repeat=True)
    assert in_place.not_modified(_crossed([seen]), inputs=twice).passed


def test_an_input_changed_by_several_calls_is_named_once():
    from bplab.grading.harness import call

    def scales_in_place(x, w):
        x *= w
        return x

    seen = [call(scales_in_place, *_inputs(), names=("x", "w"))[1] for _ in range(3)]
    verdict = in_place.not_modified(_crossed(seen), inputs=[_inputs()] * 3)
    assert verdict.detail == "x changed by the call"


def test_numpy_shape_errors_are_retold_as_a_sentence_about_shapes():
    from bplab.grading.harness import explain_text, explained_errors

    with pytest.raises(ValueError, match=r"shapes do not fit: numpy cannot combine arrays of shapes \(2,3\) \(4,\)"):
        with explained_errors():
            np.ones((2, 3)) + np.ones(4)
    with pytest.raises(ValueError, match="matrix product.*transpose"):
        with explained_errors():
            np.ones((2, 3)) @ np.ones((2, 3))
    told = explain_text("line 4 in f: ValueError: operands could not be broadcast together with shapes (5,3) (5,) ")
    assert told.startswith("line 4 in f: ValueError: shapes do not fit") and "(5,3) (5,)" in told
    told = explain_text("line 4 in f: KeyError: 'W1'")
    assert told.startswith("line 4 in f: KeyError: 'W1': the dict has no key 'W1'") and "spelling" in told


def test_costly_mistakes_are_computed_only_for_a_wrong_answer():
    calls = []

    def mistakes():
        calls.append(1)
        return {"half of it": np.ones(3) / 2}

    assert gradcheck.compare("dx", np.ones(3), np.ones(3), mistakes=mistakes).passed and calls == []
    assert gradcheck.compare("dx", np.ones(3) / 2, np.ones(3), mistakes=mistakes).diagnosis == "half of it"
    assert calls == [1]


def test_a_wrong_shape_says_what_the_shapes_show():
    def hint(got, want, name="db"):
        return gradcheck.compare(name, np.ones(got), np.ones(want)).diagnosis

    assert "sum(axis=0)" in hint((3, 5), (5,))
    assert "mean" in hint((4, 3), (), name="loss")
    assert "concatenated along the wrong axis" in hint((12, 5), (3, 20), name="dgates")
    assert "off-by-one" in hint((4, 4), (5, 4), name="dlogits")
    assert "wrong axis" in hint((8,), (5,), name="dgamma")
    assert hint((2, 7), (5, 3)).startswith("wrong shape") and "off-by-one" not in hint((2, 7), (5, 3))


def test_a_slice_never_written_is_named_a_loop_bound_and_only_then():
    expected = np.arange(1.0, 25.0).reshape(2, 3, 4)
    first, last = expected.copy(), expected.copy()
    first[:, 0], last[:, -1] = 0.0, 0.0
    assert "never reaches index 0" in gradcheck.compare("dx", first, expected).diagnosis
    assert "before the last index" in gradcheck.compare("dx", last, expected).diagnosis
    almost = expected.copy()
    almost[:, 0] = 1e-3
    assert "index 0" not in gradcheck.compare("dx", almost, expected).diagnosis


def test_two_exchanged_blocks_of_columns_are_named():
    rng = np.random.default_rng(0)
    expected = rng.normal(size=(3, 20))
    swapped = np.concatenate([expected[:, 10:15], expected[:, 5:10], expected[:, :5], expected[:, 15:]], axis=1)
    assert "blocks 0 and 2" in gradcheck.compare("dgates", swapped, expected).diagnosis
    other = swapped.copy()
    other[0, 0] += 1.0
    assert "swapped" not in gradcheck.compare("dgates", other, expected).diagnosis


def test_returned_count_names_a_missing_or_nested_value():
    assert wrong_answers.returned_count([1, 2, 3], ("dx", "dW", "db"), "f") is None
    assert wrong_answers.returned_count(None, ("dx", "dW", "db"), "f") is None  # compare says "return missing?"
    assert wrong_answers.returned_count(np.ones(3), ("dx",), "f") is None
    single = wrong_answers.returned_count(np.ones(3), ("out", "cache"), "f")
    assert "one ndarray of shape (3,)" in single.detail and "return out, cache" in single.diagnosis
    short = wrong_answers.returned_count([np.ones(2), [np.ones(2), np.ones(2)]], ("dx", "dW", "db"), "f")
    assert not short.passed and "returned 2 values, expected 3" in short.detail and "nested" in short.diagnosis
    assert "dx, dW, db" in wrong_answers.returned_count([1, 2, 3, 4], ("dx", "dW", "db"), "f").diagnosis


def test_products_of_any_shape():
    a, b = np.ones((2, 3)), np.ones((3, 4))
    assert set(gradcheck.products({"a": a, "b": b}, (2, 4))) == {"a @ b"}
    assert {"a @ b", "b.T @ a.T", "a @ a.T"} <= set(gradcheck.products({"a": a, "b": b}))


def test_keepdims_and_matrix_sizes_are_retold():
    from bplab.grading.harness import explain_text

    told = explain_text("line 2 in f: ValueError: operands could not be broadcast together with shapes (6,4) (6,) ")
    assert "keepdims=True" in told and len(told) < 300
    assert "keepdims" not in explain_text("ValueError: operands could not be broadcast together with shapes (4,4) (4,) ")
    told = explain_text("ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                        "signature (n?,k),(k,m?)->(n?,m?) (size 5 is different from 4)")
    assert "here 4 and 5" in told and "wrong order" in told


def test_a_vector_on_the_wrong_axis_is_retold_within_the_sandbox_limit():
    from bplab.grading.harness import explained_errors

    with pytest.raises(ValueError) as caught:
        with explained_errors():
            np.ones((5, 3)) + np.ones(3)[:, None]
    assert "last axis" in str(caught.value) and len(str(caught.value)) <= 300


def test_a_kept_axis_and_a_float_size_are_named():
    from bplab.grading.harness import explain_text

    assert "keepdims" in gradcheck.compare("db", np.ones((1, 5)), np.ones(5)).diagnosis
    assert "keepdims" in gradcheck.compare("db", np.ones((5, 1)), np.ones(5)).diagnosis
    told = explain_text("line 3 in f: TypeError: 'float' object cannot be interpreted as an integer")
    assert told.startswith("line 3 in f: TypeError: ") and "//" in told


def test_shown_result_prefers_a_case_that_names_its_mistake():
    plain = gradcheck.verdict("a", False, "relative error 0.3")
    named = gradcheck.verdict("b", False, "wrong", "the -1 went to every entry")
    assert gradcheck.shown_result([gradcheck.verdict("ok", True), plain, named]) is named
    assert gradcheck.shown_result([plain, gradcheck.verdict("c", False, "also wrong")]) is plain
    assert gradcheck.shown_result([gradcheck.verdict("ok", True)]) is None


def test_raised_turns_a_marker_into_that_case_failure_only():
    failed = gradcheck.raised("case 2", {"raised": "line 3 in f: IndexError: index 4 is out of bounds"})
    assert not failed.passed and "line 3 in f: IndexError" in failed.message
    assert gradcheck.raised("case 1", {"total": 1.0}) is None and gradcheck.raised("case 1", None) is None


def test_short_loop_names_the_dimension_the_loop_counted():
    rng = np.random.default_rng(0)
    expected = rng.normal(size=(6, 4))
    actual = expected.copy()
    actual[4:] = rng.normal(size=(2, 4))  # rows 4 and 5 never visited: range(4) over 6 rows
    message = gradcheck.compare("dlogits", actual, expected).message
    assert "range(4)" in message and "all 6" in message
    actual[4:] = expected[4:]
    actual[3] += 1.0  # only row 3 wrong: no loop bound to name
    assert "range(" not in gradcheck.compare("dlogits", actual, expected).message
