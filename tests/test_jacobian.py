"""Per-event Jacobians by backpropagation against functorch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from symvae.vae import VAE, Architecture, row_jacobian


def _model() -> VAE:
    torch.manual_seed(3)
    return VAE(Architecture(n_features=5, latent_dim=3, hidden=(16, 16))).double().eval()


@pytest.mark.parametrize("part", ["encoder mean", "decoder"])
def test_row_jacobian_equals_functorch(part: str) -> None:
    vae = _model()
    fn = (lambda v: vae.mu_head(vae.encoder(v))) if part == "encoder mean" else vae.decoder
    n_in = 5 if part == "encoder mean" else 3
    x = torch.randn(64, n_in, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    ours = row_jacobian(fn, x)
    reference = torch.func.vmap(torch.func.jacrev(fn))(x)
    assert ours.shape == reference.shape == (64, fn(x).shape[1], n_in)
    torch.testing.assert_close(ours, reference, rtol=1e-12, atol=1e-12)
    # and a central difference of one row
    h = 1e-6
    row = x[7:8]
    numeric = torch.stack(
        [(fn(row + h * e) - fn(row - h * e))[0] / (2 * h) for e in torch.eye(n_in)], dim=1
    )
    np.testing.assert_allclose(ours[7].numpy(), numeric.detach().numpy(), atol=1e-7)
    assert not ours.requires_grad and not x.requires_grad


def test_row_jacobian_shapes_and_errors() -> None:
    const = row_jacobian(lambda v: torch.ones(len(v), 2, dtype=v.dtype), torch.zeros(4, 3))
    assert const.shape == (4, 2, 3) and not const.any()  # outputs that do not depend on x
    assert row_jacobian(lambda v: v[:, :0], torch.zeros(4, 3)).shape == (4, 0, 3)
    with pytest.raises(ValueError, match=r"x must be \(n, k\)"):
        row_jacobian(lambda v: v, torch.zeros(3))
    with pytest.raises(ValueError, match=r"fn must map"):
        row_jacobian(lambda v: v.sum(), torch.zeros(4, 3))
