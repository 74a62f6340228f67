"""Learning curves: one learner's measured curve, the plain and invariant learners side by side
with the effective-sample multiplier between them, log–log slopes with bootstrap (over seeds)
errors, and the BLAS thread limit the measurements run under.

Shared by the torus and sphere experiments (:mod:`~symvae.invariance.experiments`) and the
event experiments (:mod:`~symvae.invariance.events`).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from symvae.invariance.theory import effective_sample_multiplier

__all__ = [
    "CurvePair",
    "LearnerCurve",
    "blas_limit",
    "bootstrap_multiplier",
    "curve_slope",
    "loglog_slope",
    "median_slope",
]


def loglog_slope(ns: ArrayLike, risks: ArrayLike) -> float:
    """Least-squares slope of ``log risk`` against ``log n``."""
    return float(np.polyfit(np.log(np.asarray(ns, float)), np.log(np.asarray(risks, float)), 1)[0])


def curve_slope(
    ns: ArrayLike,
    risks: ArrayLike,
    n_boot: int = 400,
    rng: np.random.Generator | None = None,
    statistic: str = "mean",
) -> tuple[float, float]:
    """Slope of the ``statistic`` (mean or median over seeds) curve of ``risks`` ``(S, p)``
    against ``ns`` ``(p,)`` on log–log axes, and its bootstrap standard error.

    The bootstrap resamples the S seeds (rows) with replacement.
    """
    risks = np.asarray(risks, dtype=np.float64)
    rng = np.random.default_rng(0) if rng is None else rng
    reduce = _STATISTICS[statistic]
    slope = loglog_slope(ns, reduce(risks, axis=0))
    boots = [
        loglog_slope(ns, reduce(risks[rng.integers(0, len(risks), len(risks))], axis=0))
        for _ in range(n_boot)
    ]
    return slope, float(np.std(boots, ddof=1)) if n_boot > 1 else float("nan")


def median_slope(
    ns: ArrayLike, risks: ArrayLike, n_boot: int = 400, rng: np.random.Generator | None = None
) -> tuple[float, float]:
    """:func:`curve_slope` of the median curve (robust to a few outlying seeds)."""
    return curve_slope(ns, risks, n_boot, rng, statistic="median")


_STATISTICS: dict[str, Callable[..., NDArray[np.float64]]] = {"mean": np.mean, "median": np.median}


@dataclass(frozen=True)
class LearnerCurve:
    """One learner's learning curve: per-seed arrays ``(S, len(ns))`` and scalars.

    Attributes
    ----------
    ns:
        Training-set sizes, ``(p,)``.
    risk:
        Excess risk at the validated λ (relative for events).
    delta, edge:
        Validated ridge ``δ = nλ``, and whether the validation optimum was limited by the λ
        grid (bool).
    seconds:
        Wall-clock time of the fits summed over seeds (s); for the log only, not a flat field
        (result files hold no wall times, so that the same inputs give the same bytes).
    slope, slope_err:
        Slope of log mean risk (mean over seeds: the deterministic equivalent predicts the
        mean) against log n, and its bootstrap (over seeds) standard error; NaN until
        :meth:`CurvePair.from_learners` fits them.
    oracle:
        The smallest excess risk over the λ path (oracle ridge), or ``None``.
    pred, pred_delta:
        Deterministic-equivalent risk and optimal δ at ``ns``, ``(p,)``, or ``None``.
    pred_slope, asymptotic_slope:
        Slope of the prediction over the same n, and the asymptotic ``−2s/(2s + d)`` (d_eff
        for the invariant learner), or ``None``.
    """

    ns: NDArray[np.int64]
    risk: NDArray[np.float64]
    delta: NDArray[np.float64]
    edge: NDArray[np.bool_]
    seconds: float = dataclasses.field(metadata={"stored": False})
    slope: float = float("nan")
    slope_err: float = float("nan")
    oracle: NDArray[np.float64] | None = None
    pred: NDArray[np.float64] | None = None
    pred_delta: NDArray[np.float64] | None = None
    pred_slope: float | None = None
    asymptotic_slope: float | None = None

    def flat_fields(self, learner: str) -> dict[str, Any]:
        """The fields named as in a curve file: ``risk_<learner>``, ``slope_<learner>_err``…
        (all but ``seconds``)."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            if not field.metadata.get("stored", True):
                continue
            base, err, _ = field.name.partition("_err")
            out[f"{base}_{learner}{err}"] = getattr(self, field.name)
        return out


@dataclass(frozen=True)
class CurvePair:
    """The plain and the invariant learner on the same seeds, and ``n_eff/n`` between them.

    Attributes
    ----------
    seeds:
        Seeds, ``(S,)``; the plain learner may use only the first ``S_p ≤ S`` of them.
    sigma:
        Label-noise standard deviation (relative to the target's norm or std).
    plain, inv:
        The two learners' curves.
    multiplier, multiplier_lo, multiplier_hi:
        Measured ``n_eff/n`` at each ``inv.ns`` from the mean curves, with the 16 % and 84 %
        bootstrap quantiles, ``(q,)`` (NaN where ``R_inv(n)`` is outside the plain curve).
    """

    seeds: NDArray[np.int64]
    sigma: float
    plain: LearnerCurve
    inv: LearnerCurve
    multiplier: NDArray[np.float64]
    multiplier_lo: NDArray[np.float64]
    multiplier_hi: NDArray[np.float64]

    @classmethod
    def from_learners(
        cls,
        seeds: NDArray[np.int64],
        sigma: float,
        plain: LearnerCurve,
        inv: LearnerCurve,
        n_boot: int,
        **fields: Any,
    ) -> Self:
        """Fit both slopes and the multiplier (``n_boot`` bootstrap resamples of the seeds);
        ``fields`` are the subclass's own."""
        rng = np.random.default_rng(12345)
        slope_p, err_p = curve_slope(plain.ns, plain.risk, n_boot, rng)
        slope_i, err_i = curve_slope(inv.ns, inv.risk, n_boot, rng)
        mean_p, mean_i = plain.risk.mean(axis=0), inv.risk.mean(axis=0)
        lo, hi = bootstrap_multiplier(plain.ns, plain.risk, inv.ns, inv.risk, n_boot, rng)
        return cls(
            seeds=seeds, sigma=sigma,
            plain=dataclasses.replace(plain, slope=slope_p, slope_err=err_p),
            inv=dataclasses.replace(inv, slope=slope_i, slope_err=err_i),
            multiplier=effective_sample_multiplier(plain.ns, mean_p, inv.ns, mean_i),
            multiplier_lo=lo, multiplier_hi=hi, **fields,
        )  # fmt: skip

    def flat_fields(self) -> dict[str, Any]:
        """Every field named as in a curve file (the learners' as ``risk_plain``, ``risk_inv``…)."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, LearnerCurve):
                out.update(value.flat_fields(field.name))
            else:
                out[field.name] = value
        return out


def bootstrap_multiplier(
    ns_p: NDArray,
    risk_p: NDArray,
    ns_inv: NDArray,
    risk_i: NDArray,
    n_boot: int,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """16 % and 84 % quantiles of the multiplier over resampled seeds, each ``(q,)``.

    Seeds are resampled in pairs when both learners have the same seeds, else independently.
    """
    if n_boot <= 0:
        return np.full(len(ns_inv), np.nan), np.full(len(ns_inv), np.nan)
    s_i, s_p = len(risk_i), len(risk_p)
    boots = np.empty((n_boot, len(ns_inv)))
    for b in range(n_boot):
        idx = rng.integers(0, s_i, s_i)
        idx_p = idx if s_p == s_i else rng.integers(0, s_p, s_p)
        boots[b] = effective_sample_multiplier(
            ns_p, risk_p[idx_p].mean(axis=0), ns_inv, risk_i[idx].mean(axis=0)
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        lo, hi = np.nanquantile(boots, [0.16, 0.84], axis=0)
    return lo, hi


def blas_limit(threads: int | None) -> AbstractContextManager[object]:
    """Limit BLAS threads with ``threadpoolctl`` if asked for and available."""
    if threads is None:
        return nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional speed-up only
        return nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")
