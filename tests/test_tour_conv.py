"""Tour entries of the 1-D/2-D convnet demos (F31 dna-motifs, F36 wavenet, F39 fluid): quick forms
pass, and the read-outs they rest on are checked on known inputs."""

import numpy as np
import pytest

from dlcore import from_numpy
from dlcore.models import CausalConv1d, WaveNet
from dlcore.tour import registry, runner
from dlcore.tour._wavenet import generate
from dlcore.tour.dna_motifs import best_kmer
from dlcore.tour.wavenet import causality_and_support, jacobian_rows, unigram_entropy


@pytest.mark.parametrize("name", ["dna-motifs", "wavenet", "fluid"])
def test_quick_entry_passes(name):
    rec = runner.run_entry(registry.get(name), quick=True, fig_dir=None, seed=0)
    assert rec["passed"], rec
    assert all(rec["criteria"].values())


def test_best_kmer_reads_the_strongest_window():
    w = np.full((4, 12), -1.0)
    for j, b in enumerate("GATTACAC"):
        w["ACGT".index(b), j + 3] = 2.0
    w[0, 0] = 1.5  # a strong column outside the window does not move it
    assert best_kmer(w, 8) == "GATTACAC"
    assert best_kmer(w[:, 3:11], 8) == "GATTACAC"


# --- WaveNet pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize("k,dilation", [(2, 1), (2, 4), (3, 2), (1, 1)])
def test_causal_conv1d_is_torch_conv1d_on_a_left_padded_input(k, dilation):
    torch = pytest.importorskip("torch")
    conv = CausalConv1d(3, 5, k, dilation=dilation)
    x = np.random.default_rng(0).standard_normal((2, 3, 11)).astype(np.float32)
    ref = torch.nn.functional.conv1d(
        torch.nn.functional.pad(torch.from_numpy(x), (dilation * (k - 1), 0)),
        torch.from_numpy(conv.weight.numpy()),
        torch.from_numpy(conv.bias.numpy()),
        dilation=dilation,
    )
    np.testing.assert_allclose(conv(from_numpy(x)).numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layers", [1, 3])
def test_wavenet_jacobian_is_causal_with_receptive_field_2_to_the_layers(layers):
    model = WaveNet(layers, residual=4, skip=16, classes=7)
    rf = model.receptive_field
    assert rf == 2**layers
    jac = sum(np.abs(jacobian_rows(model, 2 * rf + 3, seed=s)) for s in range(3))
    future, sizes = causality_and_support(jac, rf)
    assert future == 0.0 and sizes == [rf] * (rf + 4)
    # the rows before a full receptive field see everything from the start
    assert all(np.count_nonzero(jac[t]) == t + 1 for t in range(rf - 1))


def test_support_check_catches_leaks_and_wrong_windows():
    jac = np.tril(np.ones((10, 10))) - np.tril(np.ones((10, 10)), -4)  # rows see t-3 .. t
    assert causality_and_support(jac, 4) == (0.0, [4] * 7)
    assert causality_and_support(jac, 3)[1] == [3] + [4] * 7  # rf 3 is not what these rows show
    gap = jac.copy()
    gap[6, 4] = 0.0
    assert causality_and_support(gap, 4)[1][3] == -1
    assert causality_and_support(np.zeros((5, 5)), 2)[1] == [-1] * 4
    jac[5, 7] = 1e-30
    assert causality_and_support(jac, 4)[0] == 1e-30


def test_unigram_entropy_and_generate():
    assert unigram_entropy(np.arange(256)) == pytest.approx(np.log(256))
    assert unigram_entropy(np.zeros(10, np.int64)) == 0.0
    model = WaveNet(2, residual=4, skip=4)
    a = generate(model, np.zeros(8, np.float32), 20, seed=1)
    assert a.shape == (20,) and a.dtype == np.int64 and a.min() >= 0 and a.max() <= 255
    np.testing.assert_array_equal(a, generate(model, np.zeros(8, np.float32), 20, seed=1))
    with pytest.raises(ValueError, match="receptive field"):
        generate(model, np.zeros(3, np.float32), 5)


# --- fluid pieces -------------------------------------------------------------------------------


def test_physics_loss_is_the_numpy_residual_energy():
    from dlcore.data import divergence_fields, laplacian
    from dlcore.tour.fluid import physics_loss, projection_cnn

    d = divergence_fields(6, seed=4).astype(np.float64)
    p = np.random.default_rng(0).standard_normal(d.shape)
    ref = ((d - laplacian(p)) ** 2).sum() / (d**2).sum()
    assert physics_loss(from_numpy(d), from_numpy(p)).item() == pytest.approx(ref, rel=1e-12)
    model = projection_cnn(2)
    assert model(from_numpy(d.astype(np.float32))).shape == (6, 1, 16, 16)
