"""Tests of :mod:`symvae.report` on small synthetic files written through the layouts."""

from __future__ import annotations

import re
from pathlib import Path

import h5py
import numpy as np
import pytest

from symvae.datasets._base import Dataset
from symvae.errors import DataError
from symvae.outputs.evaluation import Evaluation, Latent, Theory, ThresholdScan, Traversal
from symvae.outputs.features import write_features
from symvae.outputs.layout import Provenance
from symvae.outputs.relevance import ProcessInfo, Relevance
from symvae.outputs.summary import LinearTheory, ProcessSummary, Summary
from symvae.plotting.breaking import freed_directions
from symvae.plotting.features import (
    N_BINS,
    feature_histograms,
    feature_range,
    plot_feature_histograms,
)
from symvae.plotting.style import figure, style_context
from symvae.report import build_report
from symvae.report.breaking import _breaking_sentence
from symvae.report.data import _read_summary
from symvae.report.pages import _verdict

SEEDS = [0, 1, 2]
THRESHOLD = 0.05
SCAN = np.array([0.01, 0.02, 0.05, 0.1, 0.2])
STR = h5py.string_dtype()
N_EVENTS = 500
SQRT_S = 91.2
EVENT_FEATURES = ["E_1", "px_1", "py_1", "pz_1", "E_2", "px_2", "py_2", "pz_2"]


def _strs(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=STR)


def _process_spec() -> dict[str, dict]:
    """Six processes: linear model with theory, MLP with theory (R=1), ring (R=2), R=0, and
    two event processes, e⁺e⁻ → μ⁺μ⁻ (exact, R=2) and the same with initial-state radiation
    (approximate, compared to the exact one, R=3 and local dof 3)."""
    toy = {"kind": "toy", "exact": True, "compare_to": "", "constraints": []}
    return {
        "linear_gaussian": {
            **toy,
            "generator": "linear_gaussian",
            "dof": 2,
            "L": 4,
            "R": 2,
            "features": ["x1", "x2", "x3"],
            "units": ["GeV", "GeV", "GeV"],
            "truth": ["s1", "s2"],
            "theory": True,
            "architecture": "linear",
            "description": "Gaussian data on a rotated 2-D plane in 3-D",
            "note": "",
        },
        "linear_gaussian_mlp": {
            **toy,
            "generator": "linear_gaussian",
            "dof": 1,
            "L": 4,
            "R": 1,
            "features": ["x1", "x2", "x3"],
            "units": ["GeV", "GeV", "GeV"],
            "truth": ["s1"],
            "theory": True,
            "architecture": "mlp",
            "description": "the same kind of data, fitted with the default MLP",
            "note": "",
        },
        "ring": {
            **toy,
            "generator": "ring",
            "dof": 1,
            "L": 6,
            "R": 2,
            "features": ["x", "y"],
            "units": ["m", "m"],
            "truth": ["phi"],
            "theory": False,
            "architecture": "mlp",
            "description": "points on a circle of radius 1 with small radial noise",
            "note": (
                "A circle is a closed 1-D manifold: it cannot be embedded in a line, so the "
                "VAE needs two latent directions although the local dof is 1."
            ),
        },
        "noise_only": {
            **toy,
            "generator": "disk",
            "dof": 2,
            "L": 5,
            "R": 0,
            "features": ["a", "b", "c"],
            "units": ["1", "1", "1"],
            "truth": [],
            "theory": False,
            "architecture": "mlp",
            "description": "a degenerate case in which every direction collapsed",
            "note": "posterior collapse: no direction is relevant",
        },
        "ee_mumu": {
            "generator": "rambo",
            "kind": "generated",
            "exact": True,
            "compare_to": "",
            "constraints": ["energy", "momentum", "muon mass"],
            "dof": 2,
            "L": 8,
            "R": 2,
            "features": EVENT_FEATURES,
            "units": ["GeV"] * 8,
            "truth": ["cos_theta", "phi"],
            "theory": False,
            "architecture": "mlp",
            "description": "e+e- -> mu+mu- at sqrt(s) = 91.2 GeV, two-body phase space",
            "note": "",
        },
        "ee_mumu_isr": {
            "generator": "pythia8",
            "kind": "generated",
            "exact": False,
            "compare_to": "ee_mumu",
            "constraints": ["energy", "momentum", "muon mass"],
            "dof": 2,
            "local": 3,
            "L": 8,
            "R": 3,
            "features": EVENT_FEATURES,
            "units": ["GeV"] * 8,
            "truth": ["cos_theta", "phi"],
            "theory": False,
            "architecture": "mlp",
            "description": "e+e- -> mu+mu- with initial-state radiation along the beam",
            "note": "ISR photons escape along the beam: energy and pz are no longer fixed",
        },
    }


def _synthetic(spec: dict, rng: np.random.Generator) -> dict:
    """Arrays of one process, shared by its relevance.h5 and its summary group."""
    n_seeds, n_lat, n_rel = len(SEEDS), spec["L"], spec["R"]
    rel = np.full((n_seeds, n_lat), 1e-3) + rng.uniform(0, 1e-3, (n_seeds, n_lat))
    rel[:, :n_rel] = np.linspace(0.9, 0.6, max(n_rel, 1))[:n_rel] + rng.uniform(
        -0.02, 0.02, (n_seeds, n_rel)
    )
    extra = {}
    if spec["theory"]:
        lam = np.array([2.0, 0.8, 0.2])[: len(spec["features"])]
        bs2 = 0.3 if n_rel == 2 else 1.0
        th = np.pad(np.where(lam > bs2, 1 - bs2 / lam, 0.0), (0, n_lat - lam.size))
        rel = th + rng.uniform(0.0, 0.02, (n_seeds, n_lat))
        extra = {
            "theory": th,
            "eigenvalues": lam,
            "beta_sigma2": bs2,
            "angles": rng.uniform(0.1, 2.0, (n_seeds, int(np.sum(lam > bs2)))),
            "max_abs_deviation": np.max(np.abs(-np.sort(-rel, axis=1) - th), axis=1),
        }
    rel = -np.sort(-rel, axis=1)
    counts = np.array([[int(np.sum(r > t)) for t in SCAN] for r in rel])
    return {
        "relevance": rel,
        "posterior_width": np.clip(rel + 0.02, 0, 1),
        "kl": rel * 2.0,
        "n_relevant": (rel > THRESHOLD).sum(axis=1),
        "local_dof": np.full(n_seeds, spec.get("local", spec["dof"]) if n_rel else 0),
        "local_dof_twonn": spec["dof"] + rng.normal(0, 0.05, n_seeds),
        "scan": counts,
        **extra,
    }


def _write_relevance(path: Path, name: str, spec: dict, arrays: dict, rng) -> None:
    n_lat, n_rel = spec["L"], spec["R"]
    n_feat, n_t, n_m, n_ep = len(spec["features"]), 11, 300, 12
    evaluations = {}
    for s, seed in enumerate(SEEDS):
        order = rng.permutation(n_lat)
        relevance = np.empty(n_lat)
        relevance[order] = arrays["relevance"][s]
        truth = rng.uniform(-np.pi, np.pi, n_m)
        mu = rng.normal(0, 0.03, (n_m, n_lat))
        if n_rel >= 1:
            mu[:, order[0]] = np.cos(truth)
        if n_rel >= 2:
            mu[:, order[1]] = np.sin(truth)
        z = np.linspace(-2.5, 2.5, n_t)
        decoded = (
            np.stack(
                [
                    np.stack([np.cos(z + r) * (k + 1) for k in range(n_feat)], axis=-1)
                    for r in range(n_rel)
                ]
            )
            if n_rel
            else np.zeros((0, n_t, n_feat))
        )
        epochs = np.arange(1, n_ep + 1)
        history = {"epoch": epochs}
        for key in ("train_loss", "val_loss", "train_recon", "train_kl", "val_recon", "val_kl"):
            history[key] = 5.0 / epochs + rng.uniform(0, 0.1, n_ep)
        evaluations[seed] = Evaluation(
            seed=seed,
            n_relevant=int(arrays["n_relevant"][s]),
            local_dof=int(arrays["local_dof"][s]),
            local_dof_twonn=float(arrays["local_dof_twonn"][s]),
            best_epoch=n_ep - 2,
            epochs_run=n_ep,
            threshold=THRESHOLD,
            relevance=relevance,
            posterior_width=relevance + 0.01,
            kl=relevance * 2,
            order=order,
            local_spectrum=np.linspace(1.0, 0.5, n_rel),
            relevant=relevance > THRESHOLD,
            threshold_scan=ThresholdScan(thresholds=SCAN, n_relevant=arrays["scan"][s]),
            latent=Latent(mu=mu, truth={var: truth + k for k, var in enumerate(spec["truth"])}),
            traversal=Traversal(
                z=z, decoded=decoded, directions=np.asarray(order[:n_rel], dtype=np.int64)
            ),
            history=history,
        )
    theory = None
    if spec["theory"]:
        theory = Theory(
            eigenvalues=arrays["eigenvalues"],
            relevance=arrays["theory"],
            principal_angles_deg=arrays["angles"],
            heldout_variance_ratio=np.ones(len(arrays["eigenvalues"])),
            beta=1.0,
            sigma2=arrays["beta_sigma2"],
            n_relevant=arrays["angles"].shape[1],
        )
    Relevance(
        relevance=arrays["relevance"],
        posterior_width=arrays["posterior_width"],
        kl=arrays["kl"],
        n_relevant=arrays["n_relevant"],
        local_dof=arrays["local_dof"],
        local_dof_twonn=arrays["local_dof_twonn"],
        threshold_scan=ThresholdScan(thresholds=SCAN, n_relevant=arrays["scan"]),
        theory=theory,
        evaluations=evaluations,
        process=name,
        info=_info(spec),
        latent_dim=n_lat,
        seeds=np.array(SEEDS),
        feature_names=spec["features"],
        feature_units=spec["units"],
        truth_names=spec["truth"],
        provenance=Provenance(
            config_json={"vae": {"architecture": spec["architecture"]}},
            provenance_json={"symvae": "test"},
        ),
    ).save(path)


def _info(spec: dict) -> ProcessInfo:
    return ProcessInfo(
        dof_expected=spec["dof"],
        threshold=THRESHOLD,
        generator=spec["generator"],
        description=spec["description"],
        count_note=spec["note"],
        kind=spec["kind"],
        exact=spec["exact"],
        compare_to=spec["compare_to"],
        constraints=spec["constraints"],
    )


def _write_summary(path: Path, specs: dict, all_arrays: dict) -> None:
    groups = {}
    for name, spec in specs.items():
        a = all_arrays[name]
        theory = None
        if spec["theory"]:
            tiled = np.tile(a["theory"], (len(SEEDS), 1))
            theory = LinearTheory(
                relevance_theory=tiled,
                eigenvalues=a["eigenvalues"],
                principal_angles_deg=a["angles"],
                max_abs_deviation=a["max_abs_deviation"],
                relevance_theory_heldout=tiled,
                max_abs_deviation_heldout=a["max_abs_deviation"],
                n_relevant_theory=a["angles"].shape[1],
            )
        groups[name] = ProcessSummary(
            relevance=a["relevance"],
            posterior_width=a["posterior_width"],
            kl=a["kl"],
            n_relevant=a["n_relevant"],
            local_dof=a["local_dof"],
            local_dof_twonn=a["local_dof_twonn"],
            seeds=np.array(SEEDS),
            threshold_scan=ThresholdScan(thresholds=SCAN, n_relevant=a["scan"]),
            info=_info(spec),
            dof_measured=int(np.median(a["local_dof"])),
            n_relevant_median=int(np.median(a["n_relevant"])),
            n_relevant_min=int(a["n_relevant"].min()),
            n_relevant_max=int(a["n_relevant"].max()),
            local_dof_twonn_median=float(np.median(a["local_dof_twonn"])),
            theory=theory,
        )
    Summary(
        process_groups=groups,
        processes=list(specs),
        threshold=THRESHOLD,
        seeds=np.array(SEEDS),
        provenance=Provenance(
            config_json={
                "seeds": SEEDS,
                "defaults": {"vae": {"architecture": "mlp"}},
                "processes": {},
            },
            provenance_json={"symvae": "test"},
        ),
    ).save(path)


def _write_features(path: Path, name: str, spec: dict, rng: np.random.Generator) -> None:
    """``features.h5`` of an e⁺e⁻ → μ⁺μ⁻ sample (with ISR if the process is not exact)."""
    n, m_mu = N_EVENTS, 0.1057
    cos_theta = rng.uniform(-1, 1, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    # ISR: the photon takes a fraction x of the beam energy along +z or -z
    x = 0.0 if spec["exact"] else rng.exponential(0.05, n).clip(0, 0.5)
    side = rng.choice([-1.0, 1.0], n)
    e_beam = SQRT_S / 2 * np.sqrt(1 - x)
    p = np.sqrt(e_beam**2 - m_mu**2)
    sin_theta = np.sqrt(1 - cos_theta**2)
    p3 = np.stack([p * sin_theta * np.cos(phi), p * sin_theta * np.sin(phi), p * cos_theta], 1)
    boost_pz = -side * SQRT_S / 2 * x / 2
    mu1 = np.column_stack([np.full(n, e_beam) + np.abs(boost_pz) / 2, p3])
    mu2 = np.column_stack([np.full(n, e_beam) + np.abs(boost_pz) / 2, -p3])
    mu1[:, 3] += boost_pz
    mu2[:, 3] += boost_pz
    dataset = Dataset(
        np.concatenate([mu1, mu2], axis=1),
        tuple(spec["features"]),
        tuple(spec["units"]),
        {"cos_theta": cos_theta, "phi": phi},
        {"cos_theta": "1", "phi": "rad"},
        {"sqrt_s": SQRT_S},
    )
    split = rng.choice(np.array([0, 1, 2], dtype=np.int8), n, p=[0.6, 0.2, 0.2])
    write_features(
        path,
        dataset,
        split,
        {
            "process": name,
            "generator": spec["generator"],
            "params": {"features": spec["features"]},
            "dof_expected": spec["dof"],
            "conserved": spec["constraints"],
            "data_seed": 7,
            "provenance": {"symvae": "test"},
            "exact": spec["exact"],
            "event_metadata": {"generator": spec["generator"]},
        },
    )


def _write_all(root: Path, specs: dict, seed: int = 1234) -> tuple[Path, dict, dict]:
    rng = np.random.default_rng(seed)
    arrays = {name: _synthetic(spec, rng) for name, spec in specs.items()}
    paths, features = {}, {}
    for name, spec in specs.items():
        (root / name).mkdir(parents=True)
        paths[name] = root / name / "relevance.h5"
        _write_relevance(paths[name], name, spec, arrays[name], rng)
        if spec["kind"] != "toy":
            features[name] = root / name / "features.h5"
            _write_features(features[name], name, spec, rng)
    summary = root / "summary.h5"
    _write_summary(summary, specs, arrays)
    return summary, paths, features


@pytest.fixture(scope="module")
def all_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """Summary, relevance paths and features paths (event processes only)."""
    return _write_all(tmp_path_factory.mktemp("results"), _process_spec())


@pytest.fixture(scope="module")
def inputs(all_inputs) -> tuple[Path, dict[str, Path]]:
    summary, paths, _ = all_inputs
    return summary, paths


def _n_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


# title + summary + 2 theory pages + 1 constraint-breaking page + 2 pages per process
PAGES_WITHOUT_FEATURES = 1 + 1 + 2 + 1 + 2 * 6


def test_report_pages_and_determinism(all_inputs, tmp_path: Path) -> None:
    summary, paths, features = all_inputs
    out1 = tmp_path / "a" / "report.pdf"
    out2 = tmp_path / "b" / "report.pdf"
    build_report(summary, paths, out1, feature_paths=features)
    build_report(
        str(summary),
        {k: str(v) for k, v in paths.items()},
        out2,
        feature_paths={k: str(v) for k, v in features.items()},
    )
    data = out1.read_bytes()
    assert data.startswith(b"%PDF")
    # ... + one feature page for each of the 2 event processes
    assert _n_pages(data) == PAGES_WITHOUT_FEATURES + 2
    assert data == out2.read_bytes()
    assert sorted(p.name for p in out1.parent.iterdir()) == ["report.pdf"]
    assert sorted(p.name for p in out2.parent.iterdir()) == ["report.pdf"]


def test_report_without_feature_paths_has_no_feature_pages(inputs, tmp_path: Path) -> None:
    summary, paths = inputs
    out = tmp_path / "report.pdf"
    build_report(summary, paths, out)
    assert _n_pages(out.read_bytes()) == PAGES_WITHOUT_FEATURES


def test_missing_features_file_names_it(all_inputs, tmp_path: Path) -> None:
    summary, paths, features = all_inputs
    missing = tmp_path / "ee_mumu_isr" / "features.h5"
    out = tmp_path / "report.pdf"
    with pytest.raises(DataError, match=re.escape(str(missing))):
        build_report(summary, paths, out, feature_paths={**features, "ee_mumu_isr": missing})
    assert list(tmp_path.iterdir()) == []


def test_features_file_of_unknown_process_is_an_error(all_inputs, tmp_path: Path) -> None:
    summary, paths, features = all_inputs
    out = tmp_path / "report.pdf"
    with pytest.raises(DataError, match="ee_tautau"):
        build_report(
            summary, paths, out, feature_paths={**features, "ee_tautau": features["ee_mumu"]}
        )
    assert not out.exists()


def test_breaking_page_skipped_without_exact_counterpart(tmp_path: Path) -> None:
    specs = {k: v for k, v in _process_spec().items() if k in ("ring", "ee_mumu_isr")}
    summary, paths, features = _write_all(tmp_path / "results", specs)
    out = tmp_path / "report.pdf"
    build_report(summary, paths, out, feature_paths=features)
    # title + summary + 2 pages per process + 1 feature page, no constraint-breaking page
    assert _n_pages(out.read_bytes()) == 1 + 1 + 2 * 2 + 1


def test_summary_attributes_and_breaking_sentence(all_inputs) -> None:
    summary_path, _, _ = all_inputs
    summary = _read_summary(summary_path)
    exact, broken = summary.groups["ee_mumu"], summary.groups["ee_mumu_isr"]
    assert (exact.kind, exact.exact, exact.compare_to) == ("generated", True, "")
    assert (broken.kind, broken.exact, broken.compare_to) == ("generated", False, "ee_mumu")
    assert broken.constraints == ["energy", "momentum", "muon mass"]
    assert summary.groups["ring"].kind == "toy"
    # exact dof 2, measured 3: approximate, so ≈ and not ✗
    assert _verdict(broken)[0] == "≈"
    assert _verdict(exact)[0] == "✓"
    text = _breaking_sentence(exact, broken)
    assert text.startswith("Breaking the constraints of ee_mumu frees 1 direction")
    assert "in ee_mumu_isr (≈ 0 in ee_mumu" in text
    np.testing.assert_array_equal(freed_directions(broken.relevance, 2, THRESHOLD), [2])


def test_feature_histograms_binning() -> None:
    rng = np.random.default_rng(0)
    x = np.column_stack([np.full(N_EVENTS, 45.6), rng.normal(0.0, 20.0, N_EVENTS)])
    hists = feature_histograms(x, ["E_1", "px_1"], ["GeV", "GeV"])
    assert [h.axes[0].label for h in hists] == ["E_1 [GeV]", "px_1 [GeV]"]
    assert all(h.axes[0].size == N_BINS for h in hists)
    assert all(h.sum(flow=True) == N_EVENTS for h in hists)
    lo, hi = feature_range(x[:, 0])
    assert lo < 45.6 < hi and hi - lo < 0.1
    lo, hi = feature_range(x[:, 1])
    p_lo, p_hi = np.percentile(x[:, 1], [0.5, 99.5])
    assert lo < p_lo and hi > p_hi and (hi - lo) < 1.2 * (p_hi - p_lo)
    weights = rng.uniform(0.5, 1.5, N_EVENTS)
    (h,) = feature_histograms(x[:, 1:], ["px_1"], ["GeV"], weights=weights)
    assert h.sum(flow=True).value == pytest.approx(weights.sum())


def test_plot_feature_histograms_one_panel_per_feature() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(N_EVENTS, len(EVENT_FEATURES)))
    with style_context():
        fig = figure()
        axes = plot_feature_histograms(fig, x, EVENT_FEATURES, ["GeV"] * 8, label="sample")
        # a second sample drawn into the same panels
        again = plot_feature_histograms(axes, x * 1.1, EVENT_FEATURES, ["GeV"] * 8, label="other")
    assert again == axes
    assert [ax.get_xlabel() for ax in axes] == [f"{n} [GeV]" for n in EVENT_FEATURES]
    assert axes[0].get_legend() is not None


def test_missing_relevance_file_leaves_nothing(inputs, tmp_path: Path) -> None:
    summary, paths = inputs
    broken = dict(paths)
    missing = tmp_path / "ring" / "relevance.h5"
    broken["ring"] = missing
    out = tmp_path / "report.pdf"
    with pytest.raises(DataError, match=re.escape(str(missing))):
        build_report(summary, broken, out)
    assert list(tmp_path.iterdir()) == []


def test_process_without_relevance_path_is_an_error(inputs, tmp_path: Path) -> None:
    summary, paths = inputs
    partial = {k: v for k, v in paths.items() if k != "noise_only"}
    out = tmp_path / "report.pdf"
    with pytest.raises(DataError, match="noise_only"):
        build_report(summary, partial, out)
    assert not out.exists()


def test_error_while_rendering_removes_temporary_file(
    inputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import symvae.report.build as report

    def boom(*args, **kwargs):
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(report, "_process_latent_page", boom)
    summary, paths = inputs
    out = tmp_path / "report.pdf"
    with pytest.raises(RuntimeError, match="rendering failed"):
        build_report(summary, paths, out)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def invariance_curve(tmp_path_factory) -> Path:
    from symvae.config import InvarianceSetting
    from symvae.stages import run_setting

    setting = InvarianceSetting.from_dict(
        {
            "name": "t2", "space": "torus", "d": 2, "group": "half_shifts", "cutoff": 6,
            "ns": [16, 32], "ns_plain": [32, 64, 128], "seeds": 4, "plain_seeds": 2,
            "n_val": 100, "n_boot": 10,
        }
    )  # fmt: skip
    return run_setting(setting, tmp_path_factory.mktemp("inv") / "t2.h5")


def test_invariance_pages_follow_the_process_pages(
    inputs, invariance_curve: Path, tmp_path: Path
) -> None:
    summary, paths = inputs
    out = tmp_path / "report.pdf"
    build_report(summary, paths, out, invariance_paths={"t2": invariance_curve})
    # the table page and one page of curves
    assert _n_pages(out.read_bytes()) == PAGES_WITHOUT_FEATURES + 2


def test_bad_invariance_file_names_it_and_leaves_nothing(inputs, tmp_path: Path) -> None:
    summary, paths = inputs
    bad = tmp_path / "inv" / "t2.h5"
    bad.parent.mkdir()
    bad.write_bytes(b"not hdf5")
    out = tmp_path / "out" / "report.pdf"
    with pytest.raises(DataError, match=re.escape(str(bad))):
        build_report(summary, paths, out, invariance_paths={"t2": bad})
    assert not out.parent.exists()
