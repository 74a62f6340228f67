"""The function-preserving finder on hadron-level top jets: the jet mass and a trained tagger.

In one invocation: Pythia 8 generates hadronic t t̄ and QCD dijet events at 13 TeV
(hadronization and MPI on), FastJet clusters them (anti-kt, R = 0.8), and the leading jets
with p_T in 550-650 GeV give the first N constituent four-vectors (pT-ordered, zero-padded).
Then, over the family I_N ⊗ gl(4) (the same 4 × 4 map on every constituent, 16 dimensions):

1. the jet mass m² as the function: dimension of the preserving algebra, the singular values
   around the gap, and the Grassmann distance to so(1,3) and to so(1,3) + dilation;
2. a top-versus-QCD tagger (``symvae.directions.tagger``) trained on the raw four-vectors:
   its accuracy and AUC, the same spectrum, the gap dimension, and the distance of its six
   best-preserved generators to so(1,3);
3. the distribution-preserving finder (``symvae.directions.generators``) on the same top
   jets' first ``--dist-constituents`` constituents, in the lab frame and in the jet frame
   (each jet rotated so that its axis is +z): the generators it keeps, each with its
   two-sample p-value, and their distance to J_z (the rotation about the beam in the lab,
   about the jet axis in the jet frame);
4. the correlation dimension dim(Q) = d ln C(Q) / d ln Q of top and QCD jets from the energy
   mover's distance (Komiske, Metodiev, Thaler) on ``--emd-jets`` jets of each sample.

Prints every figure; the last line is machine-readable:
``jets: mass dim D1 dist X1; tagger gap dim D2 dist6 X2 auc A; distribution lab R1 jet R2``.

Run: ``python benchmarks/jets_symmetry.py [--events 3000] [--constituents 20] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import time

import awkward as ak
import numpy as np

# the same search and the same EMD as on the jets profile's samples (a script beside this one)
from jets_distribution import dimension_and_print, find_and_print

from symvae.directions.families import four_vector_family, lorentz_algebra
from symvae.directions.function import function_symmetries, span_distance
from symvae.directions.tagger import train_tagger
from symvae.events.jets import (
    cluster_jets,
    constituent_matrix,
    jet_frame,
    jet_mass_squared,
    transverse_momentum,
)
from symvae.events.presets import pp_to_qcd_dijets, pp_to_ttbar_hadronic
from symvae.events.pythia import generate_pythia

WINDOW = (550.0, 650.0)


def _jets(
    settings: list[str], n_events: int, seed: int, n: int, label: str
) -> tuple[np.ndarray, np.ndarray]:
    t = time.perf_counter()
    events = generate_pythia(settings, n_events, seed=seed, label=label)
    jets = cluster_jets(events, radius=0.8, algorithm="antikt", min_pt=200.0)
    lead = jets.jets.particles[:, 0]
    pt = ak.to_numpy(transverse_momentum(lead))
    window = (pt > WINDOW[0]) & (pt < WINDOW[1])
    x = constituent_matrix(jets.leading_constituents, n)[window]
    axis = np.column_stack([ak.to_numpy(lead[k]) for k in ("px", "py", "pz")])[window]
    print(f"{label}: {n_events} events, {window.sum()} leading jets in the window "
          f"({time.perf_counter() - t:.1f} s)")  # fmt: skip
    return x, axis


def _report(name: str, found, n: int) -> None:
    so13 = lorentz_algebra(n)
    with_d = np.concatenate([so13, four_vector_family(n).element("D")[None]])
    s = found.singular_values
    print(f"{name}: singular values (ascending) {np.array2string(s[:9], precision=3)}")
    print(f"{name}: dimension at rtol {found.rtol:g}: {found.dimension}; "
          f"at the widest gap: {found.gap_dimension}")  # fmt: skip

    gens = found.best(6)
    print(f"{name}: Grassmann distance of the 6 best-preserved generators to so(1,3): "
          f"{span_distance(gens, so13):.3g} rad; of the 7 best to so(1,3)+D: "
          f"{span_distance(found.best(7), with_d):.3g} rad")  # fmt: skip
    for g in gens[:6]:
        print(f"    {found.family.describe(g)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000, help="events per process")
    parser.add_argument("--constituents", type=int, default=20, help="N constituents")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=60, help="tagger training epochs")
    parser.add_argument(
        "--dist-constituents", type=int, default=6, help="constituents for the distribution finder"
    )
    parser.add_argument("--emd-jets", type=int, default=300, help="jets per sample for the EMD")
    args = parser.parse_args()
    n = args.constituents
    family = four_vector_family(n)
    top, top_axis = _jets(pp_to_ttbar_hadronic(), args.events, args.seed, n, "ttbar")
    qcd, _ = _jets(pp_to_qcd_dijets(), args.events, args.seed + 1, n, "qcd")

    t = time.perf_counter()
    mass = function_symmetries(top, family, f=jet_mass_squared(n))
    print(f"jet mass ({time.perf_counter() - t:.1f} s):")
    _report("mass", mass, n)
    d_mass = mass.distance_to(lorentz_algebra(n))

    t = time.perf_counter()
    tagger = train_tagger(top, qcd, epochs=args.epochs, seed=args.seed)
    print(f"tagger: held-out accuracy {tagger.accuracy:.3f}, AUC {tagger.auc:.3f} "
          f"({time.perf_counter() - t:.1f} s)")  # fmt: skip
    probe = np.concatenate([top, qcd])
    learned = function_symmetries(probe, family, f=tagger, dim=6)
    _report("tagger", learned, n)
    d_tag = learned.distance_to(lorentz_algebra(n))

    k = args.dist_constituents
    top4, qcd4 = top.reshape(len(top), n, 4), qcd.reshape(len(qcd), n, 4)
    r_lab = find_and_print("lab frame", top4, k, args.seed)
    r_jet = find_and_print("jet frame", jet_frame(top4, top_axis), k, args.seed)
    dimension_and_print("top", top4, args.emd_jets)
    dimension_and_print("qcd", qcd4, args.emd_jets)
    print(
        f"jets: mass dim {mass.dimension} dist {d_mass:.3g}; tagger gap dim "
        f"{learned.gap_dimension} dist6 {d_tag:.3g} auc {tagger.auc:.3f}; "
        f"distribution lab {r_lab} jet {r_jet}"
    )


if __name__ == "__main__":
    main()
