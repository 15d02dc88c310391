"""Lesson 06's open-ended task: a training recipe, trained by the grader and scored on the test split.

The grader must enforce its cost limit and reject a recipe that does not train, each with a clear message;
the bars (95 % and 97.5 % mean test accuracy over 3 seeds) come from measurements of the reference recipe.
"""

import numpy as np
import pytest

from bplab.datasets import load_digits
from bplab.grading import registry, runner
from bplab.grading.lessons import lesson06
from bplab.labs.training_dashboard import accuracy
from bplab.recipes import DEFAULTS, check_recipe, train_recipe, training_cost

CAPSTONE_RECIPE = {"hidden": (256, 128), "dropout": 0.3, "optimizer": "adam", "lr": 3e-3, "batch_size": 32,
                   "epochs": 30}


@pytest.mark.parametrize("recipe, error, says", [
    ([("lr", 1e-3)], TypeError, "dict"),
    ({"learning_rate": 1e-3}, ValueError, "unknown recipe settings"),
    ({"hidden": (0,)}, ValueError, "hidden"),
    ({"hidden": "wide"}, ValueError, "hidden"),
    ({"activation": "swish"}, ValueError, "activation"),
    ({"optimizer": "lbfgs"}, ValueError, "optimizer"),
    ({"lr": 0}, ValueError, "lr"),
    ({"lr": "fast"}, TypeError, "lr"),
    ({"dropout": 1.0}, ValueError, "dropout"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"batch_size": 2.5}, ValueError, "batch_size"),
])
def test_a_malformed_recipe_is_told_what_is_expected(recipe, error, says):
    with pytest.raises(error, match=says):
        check_recipe(recipe)


def test_defaults_fill_in_and_a_single_width_is_a_layer():
    full = check_recipe({"hidden": 64, "lr": 1e-2})
    assert full == DEFAULTS | {"hidden": (64,), "lr": 1e-2}


def test_training_cost_counts_multiply_adds_and_steps_by_hand():
    # 64-256-128-10: 64*256 + 256*128 + 128*10 multiply-adds per image and layer pass; per epoch 3 passes over
    # the 1,078 training images (forward, two backward products) and 1 over train + validation (1,347).
    per_image = 64 * 256 + 256 * 128 + 128 * 10
    multiply_adds, steps = training_cost(CAPSTONE_RECIPE, seeds=3)
    assert multiply_adds == per_image * (3 * 1078 + 1347) * 30 * 3
    assert steps == 34 * 30 * 3  # ceil(1078 / 32) = 34 batches per epoch
    assert multiply_adds < lesson06.RECIPE_LIMITS["multiply_adds"] / 4  # "about a fifth of the limit"
    assert steps < lesson06.RECIPE_LIMITS["steps"] / 4


def _grade(tmp_path, recipe_source, name="digits_recipe"):
    (tmp_path / "ex06_capstone.py").write_text(f"def digits_recipe():\n    return {recipe_source}\n")
    [outcome] = runner.grade([c for c in registry.find(name) if c.name == name], tmp_path)
    return outcome


@pytest.mark.parametrize("recipe, says", [
    ('{"hidden": (1024, 1024), "epochs": 200}', "over the limit"),          # too many multiply-adds
    ('{"hidden": (8,), "batch_size": 1, "epochs": 20}', "optimizer steps"),  # too many tiny steps
])
def test_a_recipe_over_the_cost_limit_is_rejected_before_training(tmp_path, recipe, says):
    outcome = _grade(tmp_path, recipe)
    assert outcome.status == "failed" and outcome.score == 0
    assert says in outcome.message and "fewer epochs" in outcome.diagnosis
    assert outcome.seconds < 20  # rejected from the recipe alone, nothing trained


@pytest.mark.parametrize("recipe", [
    '{"hidden": (16,), "lr": 1e-9, "epochs": 2}',                          # nothing moves
    '{"hidden": (16,), "optimizer": "sgd", "lr": 1e4, "epochs": 2}',       # the loss blows up
])
def test_a_recipe_that_does_not_train_is_told_so(tmp_path, recipe):
    outcome = _grade(tmp_path, recipe)
    assert outcome.status == "failed" and outcome.score == 0
    assert "does not train" in outcome.diagnosis


@pytest.mark.parametrize("recipe, says", [('"fast"', "dict"), ('{"lr": -1}', "lr")])
def test_a_malformed_recipe_fails_with_the_reason(tmp_path, recipe, says):
    outcome = _grade(tmp_path, recipe)
    assert outcome.status == "failed" and says in outcome.message


def test_the_recipe_checks_have_a_timeout_backstop():
    for name in lesson06.RECIPE_BARS:
        [check] = [c for c in registry.find(name) if c.name == name]
        assert check.timeout >= 60 and check.functions == ("digits_recipe",)


@pytest.mark.slow
def test_the_bars_come_from_the_reference_recipe():
    # The capstone's recipe and the solution's (the same, 20 epochs) clear the upper bar on the grading seeds but
    # not 98 %;
    # a small untuned recipe (one hidden layer of 64, 10 epochs; measured 94.8 %) lands near the lower bar.
    X_test, y_test = load_digits("test")

    def mean_test_accuracy(recipe):
        return np.mean([accuracy(train_recipe(recipe, seed=s)[0], X_test, y_test) for s in lesson06.RECIPE_SEEDS])

    import importlib.util

    from tests.paths import SOLUTIONS

    spec = importlib.util.spec_from_file_location("solution06", SOLUTIONS / "ex06_capstone.py")
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    assert solution.digits_recipe() == CAPSTONE_RECIPE | {"epochs": 20}
    for recipe in (CAPSTONE_RECIPE, solution.digits_recipe()):
        reference = mean_test_accuracy(recipe)
        assert lesson06.RECIPE_BARS["digits_recipe_strong"] <= reference < 0.98
    # The notebook: "none of the variants we tried (wider, weight decay, smaller batches) reached 98 %".
    for variant in ({"hidden": (512,), "dropout": 0.2, "lr": 1e-3, "epochs": 30},
                    CAPSTONE_RECIPE | {"optimizer": "adamw", "weight_decay": 1e-2},
                    {"hidden": (256,), "dropout": 0.2, "lr": 1e-3, "epochs": 20, "batch_size": 16}):
        assert mean_test_accuracy(variant) < 0.98, variant
    modest = mean_test_accuracy({"hidden": (64,), "lr": 3e-3, "epochs": 10})
    assert abs(modest - lesson06.RECIPE_BARS["digits_recipe"]) < 0.02


def test_the_notebook_reads_the_test_split_once_at_the_end():
    import nbformat

    from tests.paths import NOTEBOOKS

    cells = nbformat.read(NOTEBOOKS / "06_capstone.ipynb", as_version=4).cells
    code = [(i, c.source) for i, c in enumerate(cells) if c.cell_type == "code"]
    reads = [i for i, source in code if '"test"' in source or "load_digits()" in source]
    final = next(i for i, c in enumerate(cells) if c.source.startswith("## 7. The test set, once"))
    assert len(reads) == 1 and reads[0] > final
    assert all(i < final for i, source in code if "train_capstone(" in source or "train_recipe(" in source)
