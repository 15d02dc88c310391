"""Lesson 07: convolution and max pooling."""

from tests.mistakes import Mistake


def swap(check, what, keywords, *pairs):
    return Mistake(check, what, keywords, replace=tuple(pairs))


MISTAKES = [
    # -- conv2d_forward
    swap("conv2d_forward", "kernel flipped", ("flipped",),
         ("out += np.einsum(\"nchw,fc->nfhw\", patch, W[:, :, i, j])",
          "out += np.einsum(\"nchw,fc->nfhw\", patch, W[:, :, kh - 1 - i, kw - 1 - j])")),
    swap("conv2d_forward", "bias missing", ("bias",),
         ("out = np.zeros((x.shape[0], W.shape[0], out_h, out_w)) + b[None, :, None, None]",
          "out = np.zeros((x.shape[0], W.shape[0], out_h, out_w))")),
    swap("conv2d_forward", "stride ignored", ("stride",),
         ("    out_h = (xp.shape[2] - kh) // stride + 1\n    out_w = (xp.shape[3] - kw) // stride + 1\n",
          "    out_h = xp.shape[2] - kh + 1\n    out_w = xp.shape[3] - kw + 1\n    stride = 1\n")),
    swap("conv2d_forward", "padding ignored", ("padding",),
         ("xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))", "xp = x")),
    swap("conv2d_forward", "bias on the wrong axis", ("shapes do not fit",),
         ("out = np.zeros((x.shape[0], W.shape[0], out_h, out_w)) + b[None, :, None, None]",
          "out = np.zeros((x.shape[0], W.shape[0], out_h, out_w)) + b")),
    swap("conv2d_forward", "kernel indexed [j, i]", ("transposed",),
         ("out += np.einsum(\"nchw,fc->nfhw\", patch, W[:, :, i, j])",
          "out += np.einsum(\"nchw,fc->nfhw\", patch, W[:, :, j, i]) if kh == kw else np.einsum("
          "\"nchw,fc->nfhw\", patch, W[:, :, i, j])")),
    # -- conv2d_backward
    swap("conv2d_backward", "dx overwritten where windows overlap", ("overwritten", "+="),
         ("dxp[:, :, rows, cols] += np.einsum(", "dxp[:, :, rows, cols] = np.einsum(")),
    swap("conv2d_backward", "padding not cropped", ("padding", "crop"),
         ("dx = dxp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]", "dx = dxp")),
    swap("conv2d_backward", "stride ignored", ("stride",),
         ("            rows = slice(i, i + stride * out_h, stride)\n            cols = slice(j, j + stride * out_w, stride)\n",
          "            rows = slice(i, i + out_h)\n            cols = slice(j, j + out_w)\n")),
    swap("conv2d_backward", "db summed over the batch only", ("db", "shared by every position"),
         ("db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=0)")),
    swap("conv2d_backward", "dW flipped", ("dW flipped",),
         ("dW[:, :, i, j] = np.einsum(", "dW[:, :, kh - 1 - i, kw - 1 - j] = np.einsum(")),
    swap("conv2d_backward", "dW averaged over the batch", ("1/N",),
         ("    db = dout.sum(axis=(0, 2, 3))\n", "    db = dout.sum(axis=(0, 2, 3))\n    dW = dW / dout.shape[0]\n")),
    swap("conv2d_backward", "dx from the flipped kernel", ("flipped",),
         ("dxp[:, :, rows, cols] += np.einsum(\"nfhw,fc->nchw\", dout, W[:, :, i, j])",
          "dxp[:, :, rows, cols] += np.einsum(\"nfhw,fc->nchw\", dout, W[:, :, kh - 1 - i, kw - 1 - j])")),
    # -- maxpool2d_forward
    swap("maxpool2d_forward", "average pooling", ("mean", "maximum"),
         ("out = flat.max(axis=-1)", "out = flat.mean(axis=-1)")),
    swap("maxpool2d_forward", "stride ignored", ("stride",),
         ("axis=(2, 3))[:, :, ::stride, ::stride]", "axis=(2, 3))")),
    swap("maxpool2d_forward", "size and stride swapped", ("swapped",),
         ("def maxpool2d_forward(x, size=2, stride=2):\n", "def maxpool2d_forward(x, stride=2, size=2):\n")),
    # -- maxpool2d_backward
    swap("maxpool2d_backward", "row and column swapped", ("row and column",),
         ("    rows = np.arange(out_h)[:, None] * stride + argmax // size\n"
          "    cols = np.arange(out_w)[None, :] * stride + argmax % size\n",
          "    rows = np.arange(out_h)[:, None] * stride + argmax % size\n"
          "    cols = np.arange(out_w)[None, :] * stride + argmax // size\n")),
    swap("maxpool2d_backward", "window corner forgotten", ("corner",),
         ("    rows = np.arange(out_h)[:, None] * stride + argmax // size\n"
          "    cols = np.arange(out_w)[None, :] * stride + argmax % size\n",
          "    rows = argmax // size\n    cols = argmax % size\n")),
    swap("maxpool2d_backward", "dx[...] += loses overlaps", ("overlapping", "SUM"),
         ("np.add.at(dx, (batch, channel, rows, cols), dout)", "dx[batch, channel, rows, cols] += dout")),
    swap("maxpool2d_backward", "ones routed", ("dout[n, c, p, q]",),
         ("np.add.at(dx, (batch, channel, rows, cols), dout)",
          "np.add.at(dx, (batch, channel, rows, cols), np.ones_like(dout))")),
    swap("maxpool2d_backward", "all tied maxima", ("tied", "FIRST"),
         ("    argmax = flat.argmax(axis=-1)  # the first maximum in row-major order on ties\n",
          "    argmax = flat.argmax(axis=-1)  # the first maximum in row-major order on ties\n"
          "    argmax = (flat == flat.max(axis=-1, keepdims=True))\n"),
         ("    shape, argmax, size, stride = cache\n    n, c, out_h, out_w = argmax.shape\n",
          "    shape, hits, size, stride = cache\n    n, c, out_h, out_w = hits.shape[:4]\n"
          "    dx = np.zeros(shape)\n    for k in range(size * size):\n"
          "        a, b_ = divmod(k, size)\n"
          "        rows = np.arange(out_h)[:, None] * stride + a\n        cols = np.arange(out_w)[None, :] * stride + b_\n"
          "        batch = np.arange(n)[:, None, None, None]\n        channel = np.arange(c)[None, :, None, None]\n"
          "        np.add.at(dx, (batch, channel, rows, cols), dout * hits[..., k])\n    return dx\n")),
    swap("maxpool2d_backward", "last maximum on ties", ("LAST",),
         ("    argmax = flat.argmax(axis=-1)  # the first maximum in row-major order on ties\n",
          "    argmax = size * size - 1 - flat[..., ::-1].argmax(axis=-1)\n")),
]
