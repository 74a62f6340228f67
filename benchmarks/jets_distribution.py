"""The distribution-preserving finder and the correlation dimension on the jets profile's
samples (``snakemake --profile profiles/jets`` first).

For the top jets of ``results/jets/top_jets/features.h5`` (the leading jet, then its first
constituents, zero-padded): ``symvae.directions.generators.find_generators`` over
``four_vector_family(k)`` (the same 4 × 4 map on the first ``k`` constituents) with quadratic
test functions, in the lab frame and in the jet frame (each jet rotated so that its axis is
+z), for each ``k`` of ``--constituents``: the generators kept, their distance to J_z (the
rotation about the beam in the lab, about the jet axis in the jet frame). Then the
correlation dimension dim(Q) of top and QCD jets from the energy mover's distance (jets
centred in (y, φ), R = 0.8) on ``--emd-jets`` jets of each.

Prints every figure; the last line is machine-readable:
``jets distribution: lab K1:R1 ...; jet K1:R1 ...``.

Run: ``python benchmarks/jets_distribution.py [--results results/jets] [--constituents 2 3 4]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from symvae.directions.families import four_vector_family
from symvae.directions.function import span_distance
from symvae.directions.generators import find_generators
from symvae.dof import correlation_dimension
from symvae.events.emd import jet_particles, pairwise_emd
from symvae.events.jets import jet_frame
from symvae.stages.jet_study import jet_constituents


def find_and_print(name: str, x: np.ndarray, k: int, seed: int) -> int:
    """The distribution-preserving generators of the first ``k`` constituents of ``x``
    ``(n, N, 4)``; prints them and returns how many were kept."""
    family = four_vector_family(k)
    t = time.perf_counter()
    found = find_generators(x[:, :k].reshape(len(x), 4 * k), None, family, degree=2, seed=seed)
    s = found.rank_tests.singular_values
    dist = (
        f", {span_distance(found.generators, family.element('J_z')[None]):.3g} rad from J_z"
        if len(found.generators) else ""
    )  # fmt: skip
    print(f"{name}, {k} constituents ({len(x)} jets, {found.counts.n_test_functions} test "
          f"functions, {time.perf_counter() - t:.1f} s): kept {len(found.generators)}{dist}; "
          f"smallest whitened singular values {np.array2string(s[:3], precision=3)}")  # fmt: skip
    for label in found.labels:
        print(f"    {label}")
    return len(found.generators)


def dimension_and_print(name: str, c: np.ndarray, n_jets: int) -> None:
    """Prints dim(Q) of the first ``n_jets`` jets of ``c`` ``(n, N, 4)`` (EMD, R = 0.8)."""
    t = time.perf_counter()
    jets = jet_particles(c[:n_jets])
    d = pairwise_emd(jets, 0.8, progress=False)
    cd = correlation_dimension(d, np.geomspace(1.0, 400.0, 14))
    print(f"correlation dimension, {name} ({len(jets)} jets, {d.size} pairs, "
          f"{time.perf_counter() - t:.1f} s), median EMD {np.median(d):.1f} GeV:")  # fmt: skip
    for q, dim in zip(cd.midpoints, cd.dimension, strict=True):
        print(f"    Q {q:7.1f} GeV  dim {dim:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=Path("results/jets"))
    parser.add_argument("--constituents", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--emd-jets", type=int, default=400, help="jets per sample for the EMD")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    top, axis = jet_constituents(args.results / "top_jets" / "features.h5")
    qcd, _ = jet_constituents(args.results / "qcd_jets" / "features.h5")
    framed = jet_frame(top, axis)
    lab = [f"{k}:{find_and_print('lab frame', top, k, args.seed)}" for k in args.constituents]
    jet = [f"{k}:{find_and_print('jet frame', framed, k, args.seed)}" for k in args.constituents]
    dimension_and_print("top", top, args.emd_jets)
    dimension_and_print("qcd", qcd, args.emd_jets)
    print(f"jets distribution: lab {' '.join(lab)}; jet {' '.join(jet)}")


if __name__ == "__main__":
    main()
