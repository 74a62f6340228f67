"""Read a user's event file (ROOT, LHE, HepMC3 or CSV) into the event store (events.root).

The mapping from columns or branches to particles is the process's ``events`` entry in the
config. Snakemake rule ``ingest``. Standalone:

    python scripts/ingest_events.py --config config.yaml --process cms_zmumu \\
        --out results/cms_zmumu/events.root
"""

import argparse

from _common import add_process_args, process_spec, run


def build(parser: argparse.ArgumentParser) -> None:
    add_process_args(parser)
    parser.add_argument("--out", required=True, help="output events.root")


def main(args: argparse.Namespace) -> None:
    from symvae.stages import ingest_events

    ingest_events(process_spec(args), args.out)


if __name__ == "__main__":
    run(__doc__, build, main, globals().get("snakemake"))
