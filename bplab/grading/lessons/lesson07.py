"""Lesson 07: convolution and max pooling, forward and backward.

The references here are deliberately independent of ``bplab.nn.conv`` (the
vectorized im2col code): :func:`naive_conv2d` and :func:`naive_maxpool2d` are
the textbook loops over output positions, and every expected gradient is a
central difference of them. Tests use them as the independent reference too.

Thresholds: convolution is linear in ``x`` and in ``W``, so central differences
are exact up to rounding and a correct answer scores about 1e-10; max pooling
is piecewise linear and the inputs are drawn so that no two entries of a
window are within 1e-3 of each other, far more than the step h = 1e-5, so
the numerical gradient is exact there too. Both thresholds are 1e-7.
"""

from __future__ import annotations

import numpy as np

from bplab import gradcheck
from bplab.grading import in_place, wrong_answers
from bplab.grading.checks import Check
from bplab.grading.harness import call

THRESHOLD = 1e-7
HINT_CONV = 'notebook 07, section "3. Backward through a convolution"'
HINT_POOL = 'notebook 07, section "4. Max pooling"'

# (N, C, H, W), (F, KH, KW), stride, pad: square and non-square, stride 2 with padding 1,
# and a stride that does not divide the size (the last row/column is never covered).
CONV_CASES = [
    ((2, 3, 5, 5), (4, 3, 3), 1, 0),
    ((2, 2, 7, 6), (3, 3, 2), 2, 1),
    ((1, 2, 6, 6), (2, 3, 3), 2, 0),
]
# (N, C, H, W), size, stride: the usual 2/2, overlapping 3/2 (gradients must add up), and 2/1.
POOL_CASES = [
    ((2, 3, 4, 6), 2, 2),
    ((2, 2, 7, 7), 3, 2),
    ((1, 2, 5, 5), 2, 1),
]


# -- independent references: loops over the output positions ------------------------------------------------

def naive_conv2d(x, W, b, stride=1, pad=0):
    """Cross-correlation by the definition: one dot product per output position.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    W : ndarray, shape (F, C, KH, KW)
    b : ndarray, shape (F,)

    Returns
    -------
    out : ndarray, shape (N, F, OH, OW)
    """
    n, _, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.zeros((n, x.shape[1], h + 2 * pad, w + 2 * pad))
    xp[:, :, pad:pad + h, pad:pad + w] = x
    out_h, out_w = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    out = np.empty((n, f, out_h, out_w))
    for p in range(out_h):
        for q in range(out_w):
            window = xp[:, :, p * stride:p * stride + kh, q * stride:q * stride + kw]  # (N, C, KH, KW)
            for k in range(f):
                out[:, k, p, q] = np.sum(window * W[k], axis=(1, 2, 3)) + b[k]
    return out


def naive_conv2d_dx(dout, x_shape, W, stride, pad):
    """``dx`` by scattering ``W * dout`` back over every window (the loop form of the backward pass)."""
    n, c, h, w = x_shape
    f, _, kh, kw = W.shape
    dxp = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    for p in range(dout.shape[2]):
        for q in range(dout.shape[3]):
            for k in range(f):
                dxp[:, :, p * stride:p * stride + kh, q * stride:q * stride + kw] += \
                    dout[:, k, p, q][:, None, None, None] * W[k]
    return dxp[:, :, pad:pad + h, pad:pad + w]


def numerical_conv_gradients(x, W, b, stride, pad, dout):
    """Central differences of :func:`naive_conv2d` with upstream ``dout``: ``[dx, dW, db]``."""
    return [gradcheck.numerical_gradient_array(lambda v: naive_conv2d(v, W, b, stride, pad), x.copy(), dout),
            gradcheck.numerical_gradient_array(lambda v: naive_conv2d(x, v, b, stride, pad), W.copy(), dout),
            gradcheck.numerical_gradient_array(lambda v: naive_conv2d(x, W, v, stride, pad), b.copy(), dout)]


def naive_maxpool2d(x, size, stride):
    """Max pooling by the definition: the largest entry of every window."""
    n, c, h, w = x.shape
    out = np.empty((n, c, (h - size) // stride + 1, (w - size) // stride + 1))
    for p in range(out.shape[2]):
        for q in range(out.shape[3]):
            out[:, :, p, q] = x[:, :, p * stride:p * stride + size, q * stride:q * stride + size].max(axis=(2, 3))
    return out


def naive_maxpool2d_dx(x, dout, size, stride, rule="first"):
    """The backward pass by loops, following one of several routing rules; None when a rule routes outside x.

    ``rule``: ``"first"`` (the right one: the first maximum in row-major order),
    ``"last"`` (the last maximum), ``"all"`` (every tied maximum), ``"mean"`` (spread evenly: average pooling's
    backward), ``"overwrite"`` (first maximum, but assigning instead of adding,
    so overlapping windows lose gradient), and the wrong decodings of the maximum's place in
    ``_ROUTE_MISTAKES``: ``"swapped"``, ``"no offset"``, ``"stride decode"``, ``"ones"``.
    """
    dx = np.zeros_like(x)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            for p in range(dout.shape[2]):
                for q in range(dout.shape[3]):
                    r0, c0 = p * stride, q * stride
                    window = x[i, j, r0:r0 + size, c0:c0 + size]
                    g = dout[i, j, p, q]
                    if rule == "mean":
                        dx[i, j, r0:r0 + size, c0:c0 + size] += g / window.size
                        continue
                    if rule == "all":
                        dx[i, j, r0:r0 + size, c0:c0 + size] += g * (window == window.max())
                        continue
                    flat = window.ravel()
                    k = int(np.argmax(flat)) if rule != "last" else flat.size - 1 - int(np.argmax(flat[::-1]))
                    a, b = {"swapped": (k % size, k // size),
                            "stride decode": (k // stride, k % stride)}.get(rule, divmod(k, size))
                    if rule == "no offset":
                        r0 = c0 = 0
                    if not (0 <= r0 + a < x.shape[2] and 0 <= c0 + b < x.shape[3]):
                        return None
                    if rule == "overwrite":
                        dx[i, j, r0 + a, c0 + b] = g
                    else:
                        dx[i, j, r0 + a, c0 + b] += 1.0 if rule == "ones" else g
    return dx


# -- inputs: deterministic, recomputed on both sides --------------------------------------------------------

def _conv_inputs(case):
    x_shape, (f, kh, kw), stride, pad = CONV_CASES[case]
    rng = np.random.default_rng(700 + case)
    x = rng.normal(size=x_shape)
    W = rng.normal(size=(f, x_shape[1], kh, kw))
    b = rng.normal(size=f)
    out_h = (x_shape[2] + 2 * pad - kh) // stride + 1
    out_w = (x_shape[3] + 2 * pad - kw) // stride + 1
    dout = rng.normal(size=(x_shape[0], f, out_h, out_w))
    return x, W, b, stride, pad, dout


def _pool_inputs(case):
    """Distinct values (a shuffled grid, spacing 1e-2 after scaling), so no window has a near-tie."""
    x_shape, size, stride = POOL_CASES[case]
    rng = np.random.default_rng(710 + case)
    count = int(np.prod(x_shape))
    x = (rng.permutation(count) - count / 2).reshape(x_shape) * 1e-2
    out_h, out_w = (x_shape[2] - size) // stride + 1, (x_shape[3] - size) // stride + 1
    dout = rng.normal(size=(x_shape[0], x_shape[1], out_h, out_w))
    return x, size, stride, dout


def _tie_inputs():
    """Windows with tied maxima: integers 0..2 (many repeats), one 2x2 window of equal entries."""
    rng = np.random.default_rng(720)
    x = rng.integers(0, 3, size=(1, 2, 4, 4)).astype(np.float64)
    x[0, 0, :2, :2] = 5.0
    dout = rng.normal(size=(1, 2, 2, 2))
    return x, dout


# -- conv2d ---------------------------------------------------------------------------------------------------

def _produce_conv_forward(ex):
    outs, witnesses = [], []
    for case in range(len(CONV_CASES)):
        x, W, b, stride, pad, _ = _conv_inputs(case)
        result, seen = call(ex.conv2d_forward, x, W, b, stride, pad, names=("x", "W", "b", "stride", "pad"))
        outs.append(result[0] if isinstance(result, tuple) and len(result) == 2 else result)
        witnesses.append(seen)
    return {"outs": outs, "witness": witnesses, "returned": _returned_count(result)}


def _returned_count(result):
    """How many values a forward returned (only the count: the backward needs the cache, so out alone is wrong)."""
    return len(result) if isinstance(result, (tuple, list)) else 1


def _cache_returned(values, outs, layer):
    """[a failed verdict] when ``<layer>_forward`` did not return the pair (out, cache), else []."""
    count = values.get("returned")
    if count is None or count == 2 or outs[0] is None:
        return []
    return [gradcheck.verdict(f"values returned by {layer}_forward", False,
                              f"returned {count} value{'s' if count != 1 else ''}, expected 2",
                              f"return out, cache: {layer}_backward needs the cache (what it keeps from the forward "
                              "pass)")]


def _judge_conv_forward(values):
    outs = values.get("outs")
    outs = outs if isinstance(outs, list) and len(outs) == len(CONV_CASES) else [None] * len(CONV_CASES)
    calls = [_conv_inputs(case)[:5] for case in range(len(CONV_CASES))]
    results = [in_place.not_modified(values.get("witness"), inputs=calls)] + _cache_returned(values, outs, "conv2d")
    cases = []
    for case, out in enumerate(outs):
        x, W, b, stride, pad, _ = _conv_inputs(case)
        expected = naive_conv2d(x, W, b, stride, pad)
        cases.append((out, expected, lambda x=x, W=W, b=b, stride=stride, pad=pad, expected=expected:
                      _conv_forward_mistakes(x, W, b, stride, pad, expected)))
    for case, ((out, expected, _), mistakes) in enumerate(zip(cases, wrong_answers.drop_contradicted(cases,
                                                                                                  threshold=THRESHOLD))):
        stride, pad = CONV_CASES[case][2:]
        results.append(gradcheck.compare(f"out (stride {stride}, pad {pad})", out, expected, threshold=THRESHOLD,
                                         mistakes=mistakes))
    return results


def _conv_forward_mistakes(x, W, b, stride, pad, expected):
    """Known wrong forward outputs, recomputed from the case's inputs."""
    out_h, out_w = expected.shape[2:]
    kh, kw = W.shape[2:]
    unpadded = ((x.shape[2] - kh) // stride + 1, (x.shape[3] - kw) // stride + 1)
    return {
        "kernel flipped: torch's conv2d (and this course) compute a cross-correlation, out = sum of W * window, "
        "without flipping W": naive_conv2d(x, W[:, :, ::-1, ::-1], b, stride, pad),
        "bias missing: add b[f] to every position of output channel f": naive_conv2d(x, W, np.zeros_like(b), stride, pad),
        "the stride is ignored: output position p reads the input from row p * stride": naive_conv2d(x, W, b, 1, pad),
        "the padding is missing: pad x with `pad` zeros on each side of both spatial axes first":
            naive_conv2d(x, W, b, stride, 0),
        "the output size misses its + 1: OH = (H + 2 pad - KH) // stride + 1": expected[:, :, :-1, :-1],
        "the bias is added once per kernel offset: add b once, to every position of channel f":
            gradcheck.AnyOf(*[expected + (kh * kw + extra) * b[None, :, None, None] for extra in (-1, 0)]),
        "the kernel is transposed: W[f, c, i, j] multiplies the input at row offset i, column offset j":
            naive_conv2d(x, W.transpose(0, 1, 3, 2), b, stride, pad) if kh == kw else np.zeros(0),
        "the output size leaves out the padding: OH = (H + 2 pad - KH) // stride + 1, with the padded height":
            expected[:, :, :unpadded[0], :unpadded[1]],
        "the patches and the kernel are flattened in different orders (im2col): W.reshape(F, -1) runs over "
        "(C, KH, KW), so flatten each patch in that order too (channels first)":
            gradcheck.AnyOf(*[naive_conv2d(x, kernel, b, stride, pad) for kernel in _reordered_kernels(W)]),
        "the padding is added on one side only: np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) puts `pad` "
        "zeros before AND after each spatial axis": _one_side_padded(x, W, b, stride, pad),
        "the windows are read one pixel apart: window (p, q) starts at row p * stride, column q * stride (slice "
        "with step stride)": naive_conv2d(x, W, b, 1, pad)[:, :, :out_h, :out_w],
        "the sum over a window also adds up the examples of the batch (a sum without axis): sum over the axes "
        "(C, KH, KW) only, one number per example": np.broadcast_to(
            (expected - b[None, :, None, None]).sum(axis=0, keepdims=True), expected.shape) + b[None, :, None, None],
    }


def _reordered_kernels(W):
    """The kernels a convolution effectively uses when patches are flattened as (KH, KW, C) and W as (C, KH, KW),
    or the other way round."""
    f, c, kh, kw = W.shape
    return [W.reshape(f, kh, kw, c).transpose(0, 3, 1, 2), W.transpose(0, 2, 3, 1).reshape(f, c, kh, kw)]


def _one_side_padded(x, W, b, stride, pad):
    """Outputs of a convolution padded on one side only (before, or after), as far as they are defined."""
    if not pad:
        return np.zeros(0)
    sides = [((pad, 0), (pad, 0)), ((0, pad), (0, pad))]
    return gradcheck.AnyOf(*[naive_conv2d(np.pad(x, ((0, 0), (0, 0)) + side), W, b, stride, 0) for side in sides])


_CONV_MISTAKES = {
    "stride": "the stride is ignored in the backward pass: output position p touches the input from row "
              "p * stride (slice with step stride)",
    "overwrite": "dx is overwritten where windows overlap: an input entry collects the gradient of every window "
                 "that contains it (+=, not =)",
    "no crop": "dx still has the padding: crop it off, dx = dxpad[:, :, pad:-pad, pad:-pad]",
}


def _conv_backward_variant(x, W, dout, stride, pad, mistake):
    """(dx, dW) of a backward pass with one known mistake, by loops over kernel offsets; None where it changes nothing."""
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    xp[:, :, pad:pad + h, pad:pad + w] = x
    out_h, out_w = dout.shape[2], dout.shape[3]
    step = 1 if mistake == "stride" else stride
    dxp, dW = np.zeros_like(xp), np.zeros_like(W)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + step * out_h, step)
            cols = slice(j, j + step * out_w, step)
            if xp[:, :, rows, cols].shape[2:] != (out_h, out_w):
                return None, None  # the learner's code would have raised
            dW[:, :, i, j] = np.einsum("nfhw,nchw->fc", dout, xp[:, :, rows, cols])
            contribution = np.einsum("nfhw,fc->nchw", dout, W[:, :, i, j])
            if mistake == "overwrite":
                dxp[:, :, rows, cols] = contribution
            else:
                dxp[:, :, rows, cols] += contribution
    if mistake == "no crop":
        return (dxp if pad else None), None
    return dxp[:, :, pad:pad + h, pad:pad + w], (dW if mistake == "stride" else None)


def _overwrite_positions(dout, x_shape, W, stride, pad):
    """dx from a loop over output positions (and filters) that assigns instead of adding."""
    n, c, h, w = x_shape
    kh, kw = W.shape[2:]
    dxp = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    for p in range(dout.shape[2]):
        for q in range(dout.shape[3]):
            dxp[:, :, p * stride:p * stride + kh, q * stride:q * stride + kw] = \
                np.einsum("nf,fcij->ncij", dout[:, :, p, q], W)
    return dxp[:, :, pad:pad + h, pad:pad + w]


def _one_side_crop(uncropped, pad):
    """dx with the padding cropped on one side only (dxp[:, :, pad:, pad:] or dxp[:, :, :-pad, :-pad])."""
    if uncropped is None or not pad:
        return {}
    return {"the padding is cropped on one side only: dx = dxp[:, :, pad:pad + H, pad:pad + W] drops `pad` rows and "
            "columns at both ends": gradcheck.AnyOf(uncropped[:, :, pad:, pad:], uncropped[:, :, :-pad, :-pad])}


def _dW_one_example(x, dout, kernel, stride, pad):
    """dW from the first or the last example of the batch alone (a loop over n that keeps one, or a fixed index)."""
    kh, kw = kernel
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_h, out_w = dout.shape[2:]
    per = np.empty((x.shape[0], dout.shape[1], x.shape[1], kh, kw))
    for i in range(kh):
        for j in range(kw):
            window = xp[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
            per[:, :, :, i, j] = np.einsum("nfhw,nchw->nfc", dout, window)
    if x.shape[0] < 2:
        return {}
    return {"dW holds one example's gradient: W is shared by every example, so dW sums dout * window over the "
            "whole batch as well as over the positions": gradcheck.AnyOf(per[0], per[-1])}


def _db_means(dout):
    """db with a mean where the sum belongs (over the batch, the positions or both)."""
    rule = "b[f] is added at every position of every example, so db = dout.sum(axis=(0, 2, 3)), a sum"
    return {f"db averages over the batch and the positions: {rule}": dout.mean(axis=(0, 2, 3)),
            f"db averages over the positions: {rule}": dout.sum(axis=0).mean(axis=(1, 2)),
            f"db averages over the batch (divided by N): {rule}": dout.mean(axis=0).sum(axis=(1, 2))}


def _empty_crop(result, dx, x_shape, pad):
    """Name an empty dx from cropping with ``pad:-pad`` when pad is 0 (``-0`` is 0, so the slice keeps nothing)."""
    if not result.passed and pad == 0 and isinstance(dx, np.ndarray) and dx.ndim == 4 \
            and dx.shape[:2] == tuple(x_shape[:2]) and 0 in dx.shape[2:]:
        result.diagnosis = ("dx is empty along the spatial axes: with pad = 0 the crop [pad:-pad] is [0:0] (-0 is 0), "
                            "which keeps nothing; crop with [pad:pad + H] (H, x's height), or skip it when pad == 0")
    return result


def _produce_conv_backward(ex):
    grads, witnesses = [], []
    for case in range(len(CONV_CASES)):
        x, W, b, stride, pad, dout = _conv_inputs(case)
        (_, cache), seen = call(ex.conv2d_forward, x, W, b, stride, pad, names=("x", "W", "b", "stride", "pad"))
        result, seen_back = call(ex.conv2d_backward, dout, cache, names=("dout", "cache"), repeat=True)
        grads.append(result)
        witnesses += [seen, seen_back]
    return {"grads": grads, "witness": witnesses}


def _judge_conv_backward(values):
    all_grads = values.get("grads")
    all_grads = all_grads if isinstance(all_grads, list) and len(all_grads) == len(CONV_CASES) \
        else [None] * len(CONV_CASES)
    calls = [args for case in range(len(CONV_CASES))
             for args in (_conv_inputs(case)[:5], (_conv_inputs(case)[5], in_place.Cache(repeat=True)))]
    results = [in_place.not_modified(values.get("witness"), inputs=calls)]
    for case, grads in enumerate(all_grads):
        x, W, b, stride, pad, dout = _conv_inputs(case)
        dx, dW, db = wrong_answers.unpack(grads, 3, "conv2d_backward")
        results += [r for r in [wrong_answers.returned_count(grads, ("dx", "dW", "db"), "conv2d_backward")] if r is not None]
        label = f"(stride {stride}, pad {pad})"
        numeric = numerical_conv_gradients(x, W, b, stride, pad, dout)
        results += [r for r in [wrong_answers.returned_order([dx, dW, db], numeric, ("dx", "dW", "db"), "conv2d_backward")]
                    if r is not None]
        dx_unflipped = naive_conv2d_dx(dout, x.shape, W[:, :, ::-1, ::-1], stride, pad)
        variants = {text: _conv_backward_variant(x, W, dout, stride, pad, key)
                    for key, text in _CONV_MISTAKES.items()}
        overwrite = _CONV_MISTAKES["overwrite"]
        if variants[overwrite][0] is not None:  # the same mistake in a loop over output positions
            variants[overwrite] = (gradcheck.AnyOf(variants[overwrite][0],
                                                   _overwrite_positions(dout, x.shape, W, stride, pad)), None)
        results += [
            _empty_crop(gradcheck.compare(f"dx {label}", dx, numeric[0], threshold=THRESHOLD, batch_size=x.shape[0],
                                          mistakes={
                "the kernel is flipped the wrong way for dx: scattering dout back over each window multiplies by W "
                "as it is (W[f, c, i, j] returns to the input entry it met), while the FULL convolution of dout "
                "takes W flipped in both axes; one flip too many or too few": dx_unflipped,
                "the kernel's row and column offsets are swapped: W[f, c, i, j] met the input at row offset i, "
                "column offset j in the forward pass, and dx scatters it back to the same place":
                    naive_conv2d_dx(dout, x.shape, W.transpose(0, 1, 3, 2), stride, pad)
                    if W.shape[2] == W.shape[3] else np.zeros(0),
                **{text: v[0] for text, v in variants.items() if v[0] is not None},
                **_one_side_crop(variants[_CONV_MISTAKES["no crop"]][0], pad)}), dx, x.shape, pad),
            gradcheck.compare(f"dW {label}", dW, numeric[1], threshold=THRESHOLD, batch_size=x.shape[0], mistakes={
                "dW flipped: dW[f, c, i, j] pairs dout with the input shifted by (i, j), no flip":
                    numeric[1][:, :, ::-1, ::-1],
                "dW's row and column offsets are swapped: dW[f, c, i, j] pairs dout with the input shifted by i rows "
                "and j columns": numeric[1].transpose(0, 1, 3, 2) if W.shape[2] == W.shape[3] else np.zeros(0),
                **{text: v[1] for text, v in variants.items() if v[1] is not None},
                **_dW_one_example(x, dout, W.shape[2:], stride, pad)}),
            gradcheck.compare(f"db {label}", db, numeric[2], threshold=THRESHOLD, batch_size=x.shape[0], mistakes={
                "db is summed over the batch only: b[f] is shared by every position, so db = dout.sum(axis=(0, 2, 3))":
                    dout.sum(axis=0),
                "db is summed over the wrong axes: db[f] = dout[:, f].sum(), i.e. dout.sum(axis=(0, 2, 3))":
                    gradcheck.AnyOf(dout.sum(axis=(0, 1)), dout.sum(axis=(1, 2, 3)), dout.sum(axis=(2, 3))),
                "db = dout.sum() adds every channel into one number: each filter has its own bias, db[f] = "
                "dout[:, f].sum(), i.e. dout.sum(axis=(0, 2, 3))": np.asarray(dout.sum()),
                **_db_means(dout)}),
        ]
    return results


# -- max pooling ----------------------------------------------------------------------------------------------

def _produce_pool_forward(ex):
    outs, witnesses = [], []
    for case in range(len(POOL_CASES)):
        x, size, stride, _ = _pool_inputs(case)
        result, seen = call(ex.maxpool2d_forward, x, size, stride, names=("x", "size", "stride"))
        outs.append(result[0] if isinstance(result, tuple) and len(result) == 2 else result)
        witnesses.append(seen)
    return {"outs": outs, "witness": witnesses, "returned": _returned_count(result)}


def _judge_pool_forward(values):
    outs = values.get("outs")
    outs = outs if isinstance(outs, list) and len(outs) == len(POOL_CASES) else [None] * len(POOL_CASES)
    calls = [_pool_inputs(case)[:3] for case in range(len(POOL_CASES))]
    results = [in_place.not_modified(values.get("witness"), inputs=calls)]
    results += _cache_returned(values, outs, "maxpool2d")
    cases = []
    for case, out in enumerate(outs):
        x, size, stride, _ = _pool_inputs(case)
        expected = naive_maxpool2d(x, size, stride)
        cases.append((out, expected, _pool_forward_mistakes(x, size, stride, expected.shape)))
    for case, ((out, expected, _), kept) in enumerate(zip(cases, wrong_answers.drop_contradicted(cases,
                                                                                             threshold=THRESHOLD))):
        size, stride = POOL_CASES[case][1:]
        results.append(gradcheck.compare(f"out (size {size}, stride {stride})", out, expected, threshold=THRESHOLD,
                                         mistakes=kept))
    return results


def _pool_with_steps(x, size, steps, shape):
    """Max pooling of ``shape`` whose window (p, q) starts at row p * steps[0], column q * steps[1]."""
    out = np.empty(shape)
    for p in range(shape[2]):
        for q in range(shape[3]):
            r, c = p * steps[0], q * steps[1]
            out[:, :, p, q] = x[:, :, r:r + size, c:c + size].max(axis=(2, 3))
    return out


def _pool_forward_mistakes(x, size, stride, shape):
    mean = np.empty(shape)
    for p in range(shape[2]):
        for q in range(shape[3]):
            mean[:, :, p, q] = x[:, :, p * stride:p * stride + size, q * stride:q * stride + size].mean(axis=(2, 3))
    reduced = {name: np.empty(shape) for name in ("min", "sum")}
    for p in range(shape[2]):
        for q in range(shape[3]):
            window = x[:, :, p * stride:p * stride + size, q * stride:q * stride + size]
            reduced["min"][:, :, p, q], reduced["sum"][:, :, p, q] = window.min(axis=(2, 3)), window.sum(axis=(2, 3))
    whole = np.empty(shape)
    for p in range(shape[2]):
        for q in range(shape[3]):
            whole[:, :, p, q] = x[:, :, p * stride:p * stride + size, q * stride:q * stride + size].max()
    mistakes = {"the maximum is taken over the whole window array (every example and channel): take it over the "
                "window's two spatial axes only, .max(axis=(2, 3))": whole,
                "the mean of each window: max pooling takes the maximum": mean,
                "the minimum of each window: max pooling takes the maximum": reduced["min"],
                "the sum of each window: max pooling takes the maximum": reduced["sum"],
                "the stride is ignored: window (p, q) starts at row p * stride, column q * stride":
                    naive_maxpool2d(x, size, 1),
                "the output size misses its + 1: OH = (H - size) // stride + 1": naive_maxpool2d(x, size, stride)[
                    :, :, :-1, :-1]}
    if stride != 1:
        for axis, steps in (("column", (stride, 1)), ("row", (1, stride))):
            mistakes[f"the {axis} of window (p, q) ignores the stride: window (p, q) starts at row p * stride, "
                     "column q * stride"] = _pool_with_steps(x, size, steps, shape)
    if size != stride:
        mistakes["size and stride are swapped: windows are size x size, stride apart"] = naive_maxpool2d(x, stride, size)
        n, c, h, w = x.shape
        blocks = x[:, :, :h // size * size, :w // size * size].reshape(n, c, h // size, size, w // size, size)
        mistakes["the windows are cut by a reshape into size x size blocks, which ignores the stride: window (p, q) "
                 "starts at (p * stride, q * stride), and windows overlap when stride < size"] = blocks.max(axis=(3, 5))
    return mistakes


def _produce_pool_backward(ex):
    grads, witnesses = [], []
    for x, size, stride, dout in _pool_backward_inputs():
        (_, cache), seen = call(ex.maxpool2d_forward, x, size, stride, names=("x", "size", "stride"))
        result, seen_back = call(ex.maxpool2d_backward, dout, cache, names=("dout", "cache"), repeat=True)
        grads.append(result)  # judged as returned: dx alone, not a tuple
        witnesses += [seen, seen_back]
    return {"grads": grads, "witness": witnesses}


def _pool_backward_inputs():
    """(x, size, stride, dout) of each case, then of the case with ties."""
    x_tie, dout_tie = _tie_inputs()
    return [_pool_inputs(case) for case in range(len(POOL_CASES))] + [(x_tie, 2, 2, dout_tie)]


_ROUTE_MISTAKES = {
    "swapped": "the window's row and column are swapped: for a flat index k in a size x size window, the row is "
               "k // size and the column k % size",
    "no offset": "the gradient goes to the maximum's place inside the window, not in x: add the window's corner "
                 "(p * stride, q * stride)",
    "stride decode": "the flat index is split with the stride: row k // size, column k % size (size, the window's "
                     "side)",
    "ones": "the maximum receives 1, not the window's gradient: dx at the maximum is dout[n, c, p, q]",
}


def _pool_mistakes(x, dout, size, stride):
    mistakes = {"gradient spread evenly over each window: that is average pooling; max pooling sends"
                " each window's gradient to its maximum only": naive_maxpool2d_dx(x, dout, size, stride, "mean")}
    for key, text in _ROUTE_MISTAKES.items():
        wrong = naive_maxpool2d_dx(x, dout, size, stride, key)
        if wrong is not None:
            mistakes[text] = wrong
    if stride < size:
        mistakes["overlapping windows overwrite each other: an entry that is the maximum of several windows"
                 " collects the SUM of their gradients (+= in a loop, or np.add.at: with fancy indexing, "
                 "dx[rows, cols] += dout adds a repeated index only once)"] = naive_maxpool2d_dx(x, dout, size, stride,
                                                                                   "overwrite")
    return mistakes


def _judge_pool_backward(values):
    grads = values.get("grads")
    grads = grads if isinstance(grads, list) and len(grads) == len(POOL_CASES) + 1 else [None] * (len(POOL_CASES) + 1)
    calls = [args for x, size, stride, dout in _pool_backward_inputs()
             for args in ((x, size, stride), (dout, in_place.Cache(repeat=True)))]
    results = [in_place.not_modified(values.get("witness"), inputs=calls)]
    if any(isinstance(dx, (list, tuple)) for dx in grads):
        return results + [gradcheck.verdict("dx", False, "is a tuple",
                                            "maxpool2d_backward returns dx alone (one array of the input's shape), "
                                            "not a tuple")]
    cases, names = [], []
    for case, dx in enumerate(grads[:-1]):
        x, size, stride, dout = _pool_inputs(case)
        numeric = gradcheck.numerical_gradient_array(lambda v, size=size, stride=stride: naive_maxpool2d(v, size, stride),
                                                     x.copy(), dout)
        cases.append((dx, numeric, _pool_mistakes(x, dout, size, stride)))
        names.append(f"dx (size {size}, stride {stride})")
    # Ties have no derivative; the convention (torch's on the CPU) is that the first maximum in row-major order
    # takes the whole gradient, so the expected value comes from the loop rule, not from central differences.
    x, dout = _tie_inputs()
    mistakes = _pool_mistakes(x, dout, 2, 2)
    mistakes["every tied maximum got the gradient: only the FIRST maximum (row-major order in the window) gets"
             " it, as np.argmax and torch choose"] = naive_maxpool2d_dx(x, dout, 2, 2, "all")
    mistakes["ties went to the LAST maximum: the first one in row-major order inside the window gets the gradient"
             " (np.argmax returns the first)"] = naive_maxpool2d_dx(x, dout, 2, 2, "last")
    cases.append((grads[-1], naive_maxpool2d_dx(x, dout, 2, 2, "first"), mistakes))
    names.append("dx (tied maxima)")
    for name, (dx, expected, _), kept in zip(names, cases, wrong_answers.drop_contradicted(cases, threshold=THRESHOLD)):
        results.append(gradcheck.compare(name, dx, expected, threshold=THRESHOLD, mistakes=kept))
    return results


# -- conv2d backward, staged: the loop over output positions --------------------------------------------------

def loop_conv_gradients(dout, x, W, stride, pad, mistake=None):
    """``[dx, dW, db]`` by the loop over output positions, right or with one classic mistake.

    ``mistake``: ``None`` (right), ``"dx assigned"`` and ``"dW assigned"`` (``=`` where windows or positions
    must add up), ``"stride ignored"`` (window p starts at p, not p * stride), ``"padding kept"`` (dx of the
    padded input returned uncropped). Used by the judge to recognize these answers from the same inputs.
    """
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dW, db = np.zeros_like(xp), np.zeros_like(W), np.zeros(f)
    step = 1 if mistake == "stride ignored" else stride
    for i in range(n):
        for k in range(f):
            for p in range(dout.shape[2]):
                for q in range(dout.shape[3]):
                    rows, cols = slice(p * step, p * step + kh), slice(q * step, q * step + kw)
                    g = dout[i, k, p, q]
                    db[k] += g
                    if mistake == "dW assigned":
                        dW[k] = g * xp[i, :, rows, cols]
                    else:
                        dW[k] += g * xp[i, :, rows, cols]
                    if mistake == "dx assigned":
                        dxp[i, :, rows, cols] = g * W[k]
                    else:
                        dxp[i, :, rows, cols] += g * W[k]
    dx = dxp if mistake == "padding kept" else dxp[:, :, pad:pad + h, pad:pad + w]
    return [dx, dW, db]


def _produce_conv_backward_staged(ex):
    grads, witnesses = [], []
    for case in range(len(CONV_CASES)):
        x, W, _, stride, pad, dout = _conv_inputs(case)
        result, seen = call(ex.conv2d_backward_loops, dout, x, W, stride, pad, names=("dout", "x", "W", "stride", "pad"))
        grads.append(result)
        witnesses.append(seen)
    return {"grads": grads, "witness": witnesses}


def _judge_conv_backward_staged(values):
    all_grads = values.get("grads")
    all_grads = all_grads if isinstance(all_grads, list) and len(all_grads) == len(CONV_CASES) \
        else [None] * len(CONV_CASES)
    calls = [(dout, x, W, stride, pad) for x, W, _, stride, pad, dout in map(_conv_inputs, range(len(CONV_CASES)))]
    results = [in_place.not_modified(values.get("witness"), inputs=calls)]
    for case, grads in enumerate(all_grads):
        x, W, b, stride, pad, dout = _conv_inputs(case)
        dx, dW, db = wrong_answers.unpack(grads, 3, "conv2d_backward_loops")
        results += [r for r in [wrong_answers.returned_count(grads, ("dx", "dW", "db"), "conv2d_backward_loops")]
                    if r is not None]
        label = f"(stride {stride}, pad {pad})"
        numeric = numerical_conv_gradients(x, W, b, stride, pad, dout)
        results += [r for r in [wrong_answers.returned_order([dx, dW, db], numeric, ("dx", "dW", "db"),
                                                         "conv2d_backward_loops")] if r is not None]
        wrong = {m: loop_conv_gradients(dout, x, W, stride, pad, m) for m in
                 ("dx assigned", "dW assigned", "stride ignored", "padding kept")}
        dx_mistakes = {"padding not cropped: dx must have x's shape; drop the pad rows and columns of the padded"
                       " input's gradient at the end": wrong["padding kept"][0]}
        dW_mistakes = {"dW assigned (=) at each output position: a weight is used at EVERY position, so its"
                       " gradient is the SUM over positions and the batch (+=)": wrong["dW assigned"][1]}
        if stride > 1:
            dx_mistakes["stride ignored: the window of output (p, q) starts at (p * stride, q * stride)"] = \
                wrong["stride ignored"][0]
            dW_mistakes["stride ignored: the window of output (p, q) starts at (p * stride, q * stride)"] = \
                wrong["stride ignored"][1]
        if not np.allclose(wrong["dx assigned"][0], numeric[0]):
            dx_mistakes["dx assigned (=) where windows overlap: an input pixel feeds every output whose window"
                        " covers it, so its gradient is the SUM of their contributions (+=)"] = wrong["dx assigned"][0]
        dx_mistakes.update(_one_side_crop(wrong["padding kept"][0], pad))
        uncropped = wrong["padding kept"][0]
        if pad and isinstance(dx, np.ndarray) and dx.shape == uncropped.shape \
                and gradcheck.rel_error(dx, uncropped) <= THRESHOLD:  # before the generic shape message
            dx_result = gradcheck.verdict(f"dx {label}", False, f"has shape {dx.shape}, expected {x.shape}",
                                          next(iter(dx_mistakes)))
        else:
            dx_result = _empty_crop(gradcheck.compare(f"dx {label}", dx, numeric[0], threshold=THRESHOLD,
                                                      batch_size=x.shape[0], mistakes=dx_mistakes), dx, x.shape, pad)
        results += [
            dx_result,
            gradcheck.compare(f"dW {label}", dW, numeric[1], threshold=THRESHOLD, batch_size=x.shape[0],
                              mistakes={**dW_mistakes, **_dW_one_example(x, dout, W.shape[2:], stride, pad)}),
            gradcheck.compare(f"db {label}", db, numeric[2], threshold=THRESHOLD, batch_size=x.shape[0],
                              mistakes=_db_means(dout)),
        ]
    return results


CHECKS = [
    Check(lesson="07", name="conv2d_forward", points=2, module="ex07_convolutions",
          produce=_produce_conv_forward, judge=_judge_conv_forward, functions=("conv2d_forward",),
          hint='notebook 07, section "2. The sliding dot product"'),
    Check(lesson="07", name="conv2d_backward", points=4, module="ex07_convolutions",
          produce=_produce_conv_backward, judge=_judge_conv_backward, functions=("conv2d_backward",),
          hint=HINT_CONV),
    Check(lesson="07", name="maxpool2d_forward", points=1, module="ex07_convolutions",
          produce=_produce_pool_forward, judge=_judge_pool_forward, functions=("maxpool2d_forward",),
          hint=HINT_POOL),
    Check(lesson="07", name="maxpool2d_backward", points=2, module="ex07_convolutions",
          produce=_produce_pool_backward, judge=_judge_pool_backward, functions=("maxpool2d_backward",),
          hint=HINT_POOL),
    Check(lesson="07", name="conv2d_backward_staged", points=2, module="ex07_convolutions",
          produce=_produce_conv_backward_staged, judge=_judge_conv_backward_staged,
          functions=("conv2d_backward_loops",), hint=HINT_CONV),
]
