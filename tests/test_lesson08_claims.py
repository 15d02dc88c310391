"""Every quantitative claim of notebooks/08_recurrent.ipynb, recomputed with the notebook's calls and asserted.

The notebook prints these numbers and its prose quotes them (``<!--printed-->``, checked by
tests/test_notebook_claims.py); here the claims behind the words are asserted: which lags are learned, that
clipping rescues the SGD run, that truncation zeroes the far gradient, that the LSTM's gradient reaches further
back, and that the learning rate was the validation choice.
"""

from __future__ import annotations

import numpy as np
import pytest

from bplab import recurrent_experiments as experiments
from bplab.stats import paired_difference


@pytest.fixture(scope="module")
def sweep():
    return experiments.lag_sweep("rnn")


@pytest.fixture(scope="module")
def runs():
    return experiments.comparison()


def test_section2_the_rnn_learns_short_lags_and_fails_long_ones(sweep):
    means = {lag: experiments.mean_and_se(scores) for lag, scores in sweep.items()}
    assert all(score >= 0.95 for lag in (5, 10) for score in sweep[lag])  # "learned on every seed"
    assert [f"{means[lag][0]:.2f}" for lag in (5, 10, 20, 40)] == ["0.99", "0.99", "0.53", "0.25"]
    assert f"{means[20][1]:.2f}" == "0.17"
    assert max(sweep[40]) < 0.3  # "stays at chance"


def test_section3_training_grows_w_h_and_the_reach_of_the_gradient(runs):
    rnn = runs["rnn"][0]
    first, last = rnn.log.state_norms[0], rnn.log.state_norms[-1]
    assert f"{first[0] / first[-1]:.1e}" == "7.0e-05" and f"{last[0] / last[-1]:.1e}" == "3.8e+00"
    assert f"{rnn.log.spectral[0]:.2f}" == "1.06" and f"{rnn.log.spectral[-1]:.2f}" == "5.05"
    assert rnn.log.checkpoints[-1] == experiments.TRAINING["updates"]
    assert f"{rnn.accuracy:.2f}" == "0.85"  # "this run learned lag 20"


def test_section3_at_lag_40_the_ratio_grows_but_stays_small(sweep):
    far = experiments.run("rnn", 40, 0)
    first, last = far.log.state_norms[0], far.log.state_norms[-1]
    assert f"{first[0] / first[-1]:.1e}" == "8.8e-09" and f"{last[0] / last[-1]:.1e}" == "2.2e-03"
    assert all(experiments.run("rnn", 40, seed).log.state_norms[-1][0]
               < 0.1 * experiments.run("rnn", 40, seed).log.state_norms[-1][-1] for seed in experiments.SEEDS)


def test_section4_clipping_rescues_the_exploding_sgd_run():
    unclipped = experiments.exploding_runs()
    clipped = experiments.exploding_runs(clip=experiments.EXPLODING["clip"])
    assert f"{unclipped[0].log.spectral[0]:.2f}" == "1.06"  # near 1 at initialization
    assert all(max(r.log.spectral) > 20 for r in unclipped)  # "reaches tens"
    assert all(max(r.log.grad_norm) > 10 * np.median(r.log.grad_norm) for r in unclipped)  # spikes
    assert all(max(r.log.spectral) < 15 for r in clipped)
    assert all(r.accuracy < 0.4 for r in unclipped)  # "ends near chance"
    for r in unclipped + clipped:  # "the gradient norm spikes, once ||W_h|| has grown": no spike before
        norms = np.asarray(r.log.grad_norm)
        first_spike = int(np.argmax(norms > 10 * norms[0]))
        assert first_spike > 0 and r.log.spectral[first_spike // experiments.RECORD_EVERY] > 3
    difference = paired_difference([r.accuracy for r in clipped], [r.accuracy for r in unclipped])
    gain, se = difference.mean, difference.se
    assert (f"{gain:.2f}", f"{se:.2f}") == ("0.55", "0.05") and gain > 3 * se
    norm_before, norm_after, cosine = experiments.clipped_gradient(seed=0)
    assert norm_before > experiments.EXPLODING["clip"] and abs(norm_after - experiments.EXPLODING["clip"]) < 1e-5
    assert f"{cosine:.6f}" == "1.000000"  # "kept its direction exactly"


def test_section5_truncation_zeroes_the_far_gradient_and_costs_accuracy(sweep):
    lag, k = experiments.TRUNCATION["lag"], experiments.TRUNCATION["truncate"]
    assert experiments.first_input_gradient(lag, k) == 0.0
    assert f"{experiments.first_input_gradient(lag, None):.1e}" == "9.4e-05"
    truncated = [experiments.run("rnn", lag, seed, truncate=k).accuracy for seed in experiments.SEEDS]
    difference = paired_difference(sweep[lag], truncated)
    loss, se = difference.mean, difference.se
    assert (f"{np.mean(sweep[lag]):.2f}", f"{np.mean(truncated):.2f}") == ("0.99", "0.38")
    assert (f"{loss:.2f}", f"{se:.2f}") == ("0.61", "0.09") and loss > 3 * se
    assert np.mean(truncated) > 0.25  # "not pushed all the way to chance"


def test_section8_the_lstm_reaches_further_back_and_learns_more_often(runs):
    rnn, lstm = runs["rnn"], runs["lstm"]
    ratio = {name: group[0].log.state_norms[0][0] / group[0].log.state_norms[0][-1] for name, group in runs.items()}
    assert f"{ratio['lstm']:.1e}" == "1.2e-01" and f"{ratio['rnn']:.1e}" == "7.0e-05"
    difference = paired_difference([r.accuracy for r in lstm], [r.accuracy for r in rnn])
    ahead, se = difference.mean, difference.se
    assert (f"{ahead:.2f}", f"{se:.2f}", f"{ahead / se:.1f}") == ("0.34", "0.12", "2.7")
    assert sum(r.accuracy >= 0.9 for r in lstm) == 4 and sum(r.accuracy >= 0.9 for r in rnn) == 1


def test_section8_the_forget_gates_pass_the_cell_gradient_about_sigma3_far():
    mean_gate, steps = experiments.cell_path_reach(forget_bias=3.0)
    assert (f"{mean_gate:.3f}", steps) == ("0.953", 49)
    estimate = np.log(10) / -np.log(1 / (1 + np.exp(-3)))  # the question's answer, 47.4
    assert abs(steps - estimate) < 0.1 * estimate  # "the sigma(3) estimate, give or take"
    assert experiments.cell_path_reach(forget_bias=0.0)[1] < 6  # with f near 1/2 the reach collapses


@pytest.mark.slow
def test_the_learning_rate_is_the_validation_choice_for_both_cells():
    for cell in ("rnn", "lstm"):
        scores = experiments.tune_learning_rate(cell)
        assert max(scores, key=scores.get) == experiments.TRAINING["lr"], (cell, scores)
