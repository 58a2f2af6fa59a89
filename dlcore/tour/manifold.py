"""F03 (BG/ML): data cluster around lower-dimensional objects, and a linear autoencoder finds them.

A linear autoencoder x -> Linear(d, k) -> Linear(k, d) trained on the squared reconstruction
error learns the same k-dimensional subspace as PCA (Baldi and Hornik 1989), though not PCA's
ordered orthonormal axes. Two data sets:
  - dlcore.data.noisy_plane: 500 points on a random 2-D plane in 3-D (in-plane std 1 and 0.5)
    plus isotropic noise of std 0.05. A bottleneck of 2 reconstructs to the noise level (only the
    normal component of the noise is lost: expected squared error per point = noise variance);
    a bottleneck of 1 loses a whole in-plane direction. The learned plane (the decoder's column
    space) is compared with the true plane by principal angles.
  - the 1,797 8x8 digits (64-D): explained variance 1 - SSE/SST of the autoencoder's
    reconstruction for k = 2..10 against scikit-learn's PCA on the same data.
Both data sets are centred first (as PCA centres); full-batch Adam with a cosine learning rate
decay to 0 (the plane needs many cheap steps to reach the noise floor; digits k=2 converges
slowest, its top eigenvalues being close). Reconstruction error per point is the sum of squares
over the coordinates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._progress import track
from .registry import register

NOISE = 0.05
CRITERIA = (
    "plane: reconstruction error per point with k=2 <= 1.2 x noise variance",
    "plane: reconstruction error per point with k=1 >= 10 x noise variance",
    "plane: largest principal angle between the learned (k=2) and the true plane <= 2 degrees",
    "digits: explained variance within 1% (relative) of sklearn PCA for every k = 2..10 "
    "(quick: k = 2, 6, 10)",
)


def train_linear_autoencoder(x: np.ndarray, k: int, steps: int, lr: float):
    """Linear(d, k) -> Linear(k, d) trained on the mean squared reconstruction error of the rows of
    x (N, d) by full-batch Adam(lr) with cosine decay to 0; returns (model, reconstruction (N, d))."""
    from .. import from_numpy, nn, no_grad, optim
    from ..nn import functional as F

    d = x.shape[1]
    model = nn.Sequential(nn.Linear(d, k), nn.Linear(k, d))
    opt = optim.Adam(model.parameters(), lr=lr)
    xt = from_numpy(x)
    for step in range(steps):
        opt.zero_grad()
        F.mse_loss(model(xt), xt).backward()
        opt.step()
        for group in opt.param_groups:
            group["lr"] = lr * 0.5 * (1.0 + np.cos(np.pi * (step + 1) / steps))
    with no_grad():
        return model, model(xt).numpy()


def principal_angles_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Principal angles in degrees (ascending) between the column spaces of a (d, p) and b (d, q):
    the arccos of the singular values of Qa^T Qb, Q orthonormal bases (Bjorck and Golub 1973)."""
    qa, qb = np.linalg.qr(np.asarray(a, np.float64))[0], np.linalg.qr(np.asarray(b, np.float64))[0]
    cos = np.linalg.svd(qa.T @ qb, compute_uv=False)
    return np.sort(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def explained_variance(x: np.ndarray, recon: np.ndarray) -> float:
    """1 - sum of squared reconstruction errors / total sum of squares about the mean."""
    x64 = x.astype(np.float64)
    return float(1.0 - ((x64 - recon) ** 2).sum() / ((x64 - x64.mean(0)) ** 2).sum())


def plane_part(steps: int) -> dict:
    from ..data import noisy_plane

    points, basis, _ = noisy_plane(n=500, noise=NOISE, seed=0)
    x = points - points.mean(0)
    out = {"points": x, "basis": basis}
    for k in (1, 2):
        model, recon = train_linear_autoencoder(x, k, steps, lr=0.05)
        out[f"err{k}"] = float(((x.astype(np.float64) - recon) ** 2).sum(1).mean())
        if k == 2:
            out["decoder"] = model[1].weight.numpy().astype(np.float64)
            out["angles"] = principal_angles_deg(out["decoder"], basis)
    return out


def digits_part(ks, steps: int) -> dict:
    from sklearn.decomposition import PCA

    from ..data import digits

    x, _ = digits("all")
    x = (x - x.mean(0)).astype(np.float32)
    ae, pca = [], []
    for k in track(ks, "bottlenecks"):
        ae.append(explained_variance(x, train_linear_autoencoder(x, k, steps, lr=0.1)[1]))
        pca.append(float(PCA(n_components=k).fit(x).explained_variance_ratio_.sum()))
    rel = [abs(a - p) / p for a, p in zip(ae, pca)]
    return {"ks": list(ks), "ae": ae, "pca": pca, "rel": rel}


@register(
    "manifold",
    "BG/ML",
    "F03",
    criteria=CRITERIA,
    priority="P1",
    claim="Real data sit near lower-dimensional objects inside their high-dimensional space; a "
    "network with a narrow linear bottleneck finds such a subspace, the same one PCA finds.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Linear autoencoders on a noisy plane in 3-D and on the digits, against the truth and PCA.

    Plane: 500 points, in-plane std 1 and 0.5, noise std 0.05; autoencoders 3-k-3 for k = 1, 2
    (1,000 full-batch Adam(0.05) steps); reconstruction error per point against the noise variance,
    and principal angles between the decoder's 2-D column space and the true plane. Digits: 1,797
    centred 8x8 images, autoencoders 64-k-64 for k = 2..10 (300 Adam(0.1) steps); explained variance
    against scikit-learn's PCA. Quick mode: k = 2, 6, 10 on the digits.
    """
    ks = (2, 6, 10) if quick else tuple(range(2, 11))
    plane = plane_part(steps=1000)
    dig = digits_part(ks, steps=300)
    var = NOISE**2
    worst = float(max(dig["rel"]))
    metrics = {
        "plane_err_k2_per_point": plane["err2"],
        "plane_err_k1_per_point": plane["err1"],
        "noise_variance": var,
        "plane_err_k2_over_noise_var": plane["err2"] / var,
        "plane_err_k1_over_noise_var": plane["err1"] / var,
        "plane_principal_angles_deg": plane["angles"].tolist(),
        "digits_k": dig["ks"],
        "digits_explained_variance_ae": dig["ae"],
        "digits_explained_variance_pca": dig["pca"],
        "digits_max_relative_gap": worst,
    }
    figures = []
    if out_dir is not None:
        figures.append(_figure(plane, dig, out_dir))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (plane["err2"] <= 1.2 * var, f"{plane['err2'] / var:.3f} x"),
            CRITERIA[1]: (plane["err1"] >= 10 * var, f"{plane['err1'] / var:.1f} x"),
            CRITERIA[2]: (plane["angles"].max() <= 2.0, f"{plane['angles'].max():.3f} deg"),
            CRITERIA[3]: (worst <= 0.01, f"max {100 * worst:.3f}%"),
        },
    }


def _figure(plane: dict, dig: dict, out_dir: Path) -> str:
    from .plotting import new_figure, save

    fig, axes = new_figure(2, width=5.0, height=4.2)
    axes[0].remove()
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    p = plane["points"]
    ax.scatter(p[:, 0], p[:, 1], p[:, 2], s=4, color="C0", alpha=0.6, label="data (noise std 0.05)")
    q = np.linalg.qr(plane["decoder"])[0]
    c = p @ q  # in-plane coordinates of the points: the drawn patch covers them
    u, v = np.meshgrid(
        np.linspace(c[:, 0].min(), c[:, 0].max(), 8), np.linspace(c[:, 1].min(), c[:, 1].max(), 8)
    )
    grid = u[..., None] * q[:, 0] + v[..., None] * q[:, 1]
    ax.plot_surface(grid[..., 0], grid[..., 1], grid[..., 2], color="C1", alpha=0.3)
    ax.plot([], [], color="C1", lw=6, alpha=0.4, label="learned plane (k = 2)")
    normal = np.cross(q[:, 0], q[:, 1])
    view = np.cos(np.radians(10)) * q[:, 0] + np.sin(np.radians(10)) * normal  # 10 deg off edge-on
    ax.view_init(elev=np.degrees(np.arcsin(view[2])), azim=np.degrees(np.arctan2(view[1], view[0])))
    lim = np.abs(p).max()
    ax.set(xlabel="x1", ylabel="x2", zlabel="x3", xlim=(-lim, lim), ylim=(-lim, lim), zlim=(-lim, lim))
    ax.set_box_aspect((1, 1, 1))
    ax.set_title(
        f"Noisy plane, seen 10 deg from edge-on\nlearned vs true plane: {plane['angles'].max():.2f} deg",
        fontsize=10,
    )
    ax.legend(loc="upper left", fontsize=8)
    ax2 = axes[1]
    ax2.plot(dig["ks"], dig["pca"], "-", color="k", lw=1, label="sklearn PCA")
    ax2.plot(dig["ks"], dig["ae"], "o", color="C1", mfc="none", ms=9, label="dlcore linear autoencoder")
    ax2.set(
        xlabel="bottleneck size k",
        ylabel="explained variance (fraction)",
        title="Digits (64-D): explained variance",
        ylim=(0, 1),
    )
    ax2.legend(loc="lower right")
    return save(fig, out_dir, "manifold")
