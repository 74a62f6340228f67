"""The jet study (rule ``jet_study``) on synthetic jets with known answers: the jet mass is
preserved by exactly so(1,3); jets spread uniformly in azimuth keep the rotation about the
beam; a features file of another layout is refused naming the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symvae.config import ProcessSpec
from symvae.config.process import JetStudySettings
from symvae.datasets import Dataset
from symvae.errors import DataError
from symvae.outputs.features import write_features
from symvae.outputs.jet_study import JetStudy
from symvae.stages import study_jets


def _jets(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, 4 (k + 1))``: a jet (the sum) then ``k`` massless constituents in pT order,
    jets at pT 600 GeV, rapidity N(0, 1), azimuth uniform; constituents within ~0.1 of it."""
    eta = rng.normal(0.0, 1.0, (n, 1)) + rng.normal(0.0, 0.1, (n, k))
    phi = rng.uniform(-np.pi, np.pi, (n, 1)) + rng.normal(0.0, 0.1, (n, k))
    pt = -np.sort(-600.0 * rng.dirichlet(np.full(k, 2.0), n), axis=1)
    c = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)
    return np.concatenate([c.sum(1), c.reshape(n, 4 * k)], axis=1)


def _write(path: Path, x: np.ndarray, names: list[str]) -> Path:
    dataset = Dataset(x, tuple(names), tuple("GeV" for _ in names), {}, {}, {})
    split = np.zeros(len(x), dtype=np.int8)
    attrs = {"process": "synthetic", "generator": "", "params": {}, "dof_expected": -1,
             "conserved": [], "data_seed": 0, "provenance": {}, "exact": False,
             "event_metadata": {}}  # fmt: skip
    write_features(path, dataset, split, attrs)
    return path


def _names(k: int) -> list[str]:
    return [f"{c}_{i}" for i in range(1, k + 2) for c in ("E", "px", "py", "pz")]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> JetStudy:
    folder = tmp_path_factory.mktemp("jet_study")
    path = _write(folder / "features.h5", _jets(2000, 4, np.random.default_rng(5)), _names(4))
    settings = JetStudySettings(constituents=(3, 4), max_jets=2000, emd_jets=60, q_bins=6)
    spec = ProcessSpec(name="synthetic", dof=None, jet_study=settings)
    return JetStudy.load(study_jets(spec, path, folder / "jet_study.h5"))


def test_jet_mass_keeps_exactly_the_lorentz_algebra(study: JetStudy) -> None:
    f = study.function
    assert list(study.constituents) == [3, 4]
    assert list(f.dimension) == [6, 6]
    assert np.all(f.distance_so13 < 1e-8)
    # the seventh singular value (the dilation's direction) is far above the six zeros
    assert np.all(f.singular_values[:, 6] > 1e6 * np.maximum(f.singular_values[:, 5], 1e-300))


def test_azimuthally_uniform_jets_keep_the_beam_rotation(study: JetStudy) -> None:
    d = study.distribution
    assert list(d.kept_lab) == [1, 1]
    assert np.all(d.distance_jz_lab < 0.3), d.labels_lab
    assert all("J_z" in label for label in d.labels_lab)


def test_correlation_dimension_is_recorded(study: JetStudy) -> None:
    c = study.correlation
    assert c.n_jets == 60 and c.n_constituents == 4 and c.q.shape == c.dimension.shape == (6,)
    assert np.all(np.diff(c.q) > 0) and np.isfinite(c.dimension).any()
    assert study.settings_json["emd_jets"] == 60


def test_other_features_are_refused(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(100, 8))
    path = _write(tmp_path / "muons.h5", x, ["E_1", "px_1", "py_1", "pz_1", "pt_2", "eta_2",
                                              "phi_2", "m_2"])  # fmt: skip
    spec = ProcessSpec(name="muons", dof=2, jet_study=JetStudySettings())
    with pytest.raises(DataError, match=r"muons\.h5: the jet study needs"):
        study_jets(spec, path, tmp_path / "out.h5")
    assert not (tmp_path / "out.h5").exists()


def test_report_page_of_the_study(study: JetStudy) -> None:
    from symvae.report.processes import _jet_study_page

    assert _jet_study_page({}) is None
    fig = _jet_study_page({"a": study, "b": study})
    tables = [t for ax in fig.axes for t in ax.tables]
    assert len(tables) == 1
    cells = tables[0].get_celld()
    rows = {r for r, _ in cells} - {0}
    assert len(rows) == 2 * len(study.constituents)
    assert cells[(1, 2)].get_text().get_text() == "6"
    line = fig.axes[0].get_lines()[0]
    assert len(line.get_xdata()) == np.isfinite(study.correlation.dimension).sum()


def test_reconstructions_are_put_on_the_light_cone() -> None:
    from symvae.stages.jet_study import on_light_cone

    c = np.array([[[10.0, 3.0, 4.0, 12.0], [-1.0, 1.0, 0.0, 0.0], [5.0, 3.0, 0.0, 4.0]]])
    out = on_light_cone(c)
    assert out[0, 0, 0] == pytest.approx(13.0) and np.all(out[0, 1] == 0.0)
    assert out[0, 2, 0] == pytest.approx(5.0) and c[0, 0, 0] == 10.0  # input untouched


def test_no_models_no_resolution(study: JetStudy) -> None:
    assert study.resolution is None


def test_tagger_symmetries(tmp_path: Path) -> None:
    """Background jets are softer (pT 300 GeV against 600): the tagger separates them, and
    its symmetries are recorded beside its AUC."""
    rng = np.random.default_rng(9)
    signal = _write(tmp_path / "signal.h5", _jets(1500, 3, rng), _names(3))
    background = _write(tmp_path / "background.h5", 0.5 * _jets(1500, 3, rng), _names(3))
    settings = JetStudySettings(
        constituents=(3,), max_jets=1500, emd_jets=20, q_bins=4, background="wide",
        tagger_epochs=20,
    )  # fmt: skip
    spec = ProcessSpec(name="signal", dof=None, jet_study=settings)
    out = study_jets(spec, signal, tmp_path / "jet_study.h5", background=background)
    t = JetStudy.load(out).tagger
    assert t is not None and t.background == "wide" and t.n_constituents == 3
    assert t.auc > 0.75 and t.n_signal == t.n_background == 1500  # chance: 0.5
    assert t.singular_values.shape == (16,) and np.all(np.diff(t.singular_values) >= 0)
    assert 0.0 <= t.distance_so13 <= np.pi / 2 * np.sqrt(6) and 1 <= t.gap_dimension < 16


def test_tagger_background_is_checked(tmp_path: Path) -> None:
    from symvae.config import load_config
    from symvae.errors import ConfigError

    over = tmp_path / "over.yaml"
    over.write_text("processes:\n  qcd_jets:\n    jet_study: {background: nope}\n")
    with pytest.raises(ConfigError, match=r"jet_study\.background.*'nope' is not another process"):
        load_config("config.yaml", "profiles/jets/jets.yaml", over)
