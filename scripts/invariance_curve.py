"""Measure the learning curves of one invariance setting (plain vs group-invariant KRR).

Snakemake rule ``invariance_curve``. Standalone:

    python scripts/invariance_curve.py --config config.yaml --setting T3_half_shifts \\
        --out results/invariance/T3_half_shifts.h5 [--events results/ee_mumu/events.root]
"""

import argparse

from _common import load_config, run, workflow_only


def build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", default="config.yaml", help="workflow config (default: %(default)s)"
    )
    parser.add_argument("--setting", required=True, help="name under invariance.settings")
    parser.add_argument("--events", help="events ROOT file (settings with space 'events')")
    parser.add_argument("--out", required=True, help="output curve file (HDF5)")
    # a rule's params.setting_spec: the resolved setting, never typed by hand
    parser.add_argument("--setting-spec", type=workflow_only, help=argparse.SUPPRESS)


def main(args: argparse.Namespace) -> None:
    from symvae.config import InvarianceSetting
    from symvae.errors import ConfigError
    from symvae.stages import run_setting

    if args.setting_spec is None:
        cfg = load_config(args.config)
        if args.setting not in cfg.invariance:
            known = ", ".join(cfg.invariance) or "none"
            raise ConfigError(
                f"{args.config}: no invariance setting '{args.setting}' (known: {known})"
            )
        setting = cfg.invariance[args.setting]
    else:
        setting = InvarianceSetting.from_dict(args.setting_spec)
    run_setting(setting, args.out, events=args.events)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
