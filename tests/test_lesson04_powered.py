"""The optimizer race runs on the learner's ex04 step functions once their checks pass ("powered by your code")."""

from pathlib import Path

import numpy as np

from bplab.labs.optimizer_race import OPTIMIZERS, STEP_RULES, OptimizerRaceModel
from bplab.loader import load
from bplab.widgets.optimizer_race import OptimizerRace
from tests.widgets import exercise_every_control

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = str(ROOT / "solutions")
EXERCISES = str(ROOT / "exercises")
# the widget's default quadratic; (with e.g. beta2=0.95 RMSprop ends in a limit cycle around the minimum that
# amplifies last-bit rounding differences between the two implementations, so 1e-12 needs a settled run)
SETTINGS = {"surface_name": "quadratic", "optimizers": tuple(OPTIMIZERS), "steps": 200}


def test_solutions_power_the_race_and_match_the_reference():
    lab = OptimizerRace(impl=SOLUTIONS, **SETTINGS)
    assert lab.choice.by_learner and "powered by your code" in lab.note.value
    assert lab.model.rules is not None
    reference = OptimizerRaceModel(**SETTINGS, kappa=lab.model.kappa)  # the lab's: 50 on the kappa slider's stops
    for name in OPTIMIZERS:
        ours, theirs = lab.model.runs[name], reference.runs[name]
        assert ours.diverged_at == theirs.diverged_at
        np.testing.assert_allclose(ours.path, theirs.path, rtol=1e-12, atol=1e-12, err_msg=name)
    exercise_every_control(lab)
    assert not lab.errors


def test_stub_exercises_fall_back_to_the_reference():
    lab = OptimizerRace(impl=EXERCISES)
    assert not lab.choice.by_learner and lab.model.rules is None
    assert "reference implementation" in lab.note.value and "powered by your code" not in lab.note.value
    exercise_every_control(lab)


def test_model_really_calls_the_given_step_functions():
    calls = []
    solutions = load("ex04_optimizers", SOLUTIONS)

    def spy(function):
        def wrapped(*args, **kwargs):
            calls.append(function)
            return getattr(solutions, function)(*args, **kwargs)
        return wrapped

    rules = type("Rules", (), {f: staticmethod(spy(f)) for f, _ in STEP_RULES.values()})
    OptimizerRaceModel(optimizers=tuple(OPTIMIZERS), steps=5, rules=rules)
    assert sorted(set(calls)) == sorted(f for f, _ in STEP_RULES.values())
    assert len(calls) == 5 * len(STEP_RULES)
