"""bplab.nn.huber_loss against torch.nn.functional.huber_loss (runs only where torch is installed)."""

import numpy as np
import pytest

from bplab import nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_loss_matches_torch(delta):
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(6, 4)) * 2, rng.normal(size=(6, 4))
    tensor = torch.tensor(pred, requires_grad=True)
    out = torch.nn.functional.huber_loss(tensor, torch.tensor(target), delta=delta)
    out.backward()
    loss, dpred = nn.huber_loss(pred, target, delta)
    assert loss == pytest.approx(out.item(), rel=1e-12)
    np.testing.assert_allclose(dpred, tensor.grad.numpy(), rtol=1e-12, atol=1e-15)
