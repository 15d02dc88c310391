"""gradcheck's helpers for families of known wrong answers: slots, cases that rule a mistake out, a wrong order."""

import numpy as np

from bplab import gradcheck
from bplab.grading import wrong_answers


def _product():
    """y = a * b + c with slots for each factor: a computation to name mistakes in."""
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))

    def compute(choice):
        left = {None: a, "neg": -a}[choice.get("a")]
        right = {None: b, "same": b, "square": b * b}[choice.get("b")]
        return {"y": left * right + (0.0 if choice.get("c") else c)}

    slots = {"a": {"neg": "a negated"}, "b": {"same": "b as it is (no change)", "square": "b squared"},
             "c": {"gone": "c missing"}}
    return compute, slots, a, b, c


def test_slot_mistakes_names_single_and_paired_slips_and_never_the_right_answer():
    compute, slots, a, b, c = _product()
    found = wrong_answers.slot_mistakes(compute, slots, pairs=True)["y"]
    assert "b as it is (no change)" not in found  # equal to the right answer: it names nothing
    assert np.allclose(found["a negated"], -a * b + c)
    assert np.allclose(found["a negated AND c missing"], -a * b)
    result = gradcheck.compare("y", a * b * b, a * b + c, mistakes=found)
    assert result.diagnosis == "b squared AND c missing"


def test_slot_mistakes_keeps_the_first_name_of_equal_answers():
    _, _, a, b, c = _product()

    def twice(choice):
        sign = -1.0 if choice.get("a") or choice.get("b") else 1.0
        return {"y": sign * a * b + c}

    # Two slots that give the same numbers (a negated, b negated): the second must not be named again.
    found = wrong_answers.slot_mistakes(twice, {"a": {"neg": "first name"}, "b": {"neg": "second name"}})["y"]
    assert list(found) == ["first name"]


def test_drop_contradicted_removes_a_mistake_that_a_right_case_rules_out():
    right = [np.array([1.0, 2.0]), np.array([3.0, 4.0])]
    wrong_everywhere = [r * 2 for r in right]
    only_second = [right[0], right[1] * 2]  # a mistake that changes nothing in case 0
    cases = [(right[0], right[0], {"doubled": wrong_everywhere[0], "second only": only_second[0]}),
             (right[1] * 2, right[1], {"doubled": wrong_everywhere[1], "second only": only_second[1]})]
    kept = wrong_answers.drop_contradicted(cases)
    assert "doubled" not in kept[1] and "second only" in kept[1]  # case 0 is right, so "doubled" is not theirs
    all_right = wrong_answers.drop_contradicted([(r, r, {"doubled": 2 * r}) for r in right])
    assert all_right == [{}, {}]


def test_returned_order_names_two_values_in_each_other_s_place_and_nothing_else():
    x, y, z = np.ones(3), np.arange(3.0) + 2, -np.ones(2)
    swapped = wrong_answers.returned_order([y, x, z], [x, y, z], ("dx", "dy", "dz"), "f")
    assert not swapped.passed and "value 1 is dy" in swapped.detail and "dx, dy, dz" in swapped.diagnosis
    assert wrong_answers.returned_order([x, y, z], [x, y, z], ("dx", "dy", "dz"), "f") is None
    # y computed twice (its own place also right): a wrong formula for dx, not a wrong order
    assert wrong_answers.returned_order([y, y, z], [x, y, z], ("dx", "dy", "dz"), "f") is None
