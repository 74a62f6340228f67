"""The ``symvae`` command: run the workflow, and read, check and explain what it writes.

=====================  =================================================================
subcommand             does
=====================  =================================================================
``symvae run``         the workflow through Snakemake's API, with a progress bar
``symvae inspect F``   what an output file holds: datasets, units, meanings, the dof table
``symvae verify R``    every output under the results folder R against its layout
``symvae config``      a configuration key's meaning, type, range and default
=====================  =================================================================

Every subcommand has ``--help``. The library itself needs no Snakemake: only ``symvae run``
imports it (the ``workflow`` extra).
"""

from __future__ import annotations

import click

from symvae.cli.commands import config, inspect, run, verify

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="symvae")
def main() -> None:
    """symvae: find the symmetries and degrees of freedom of event data with VAEs."""


main.add_command(run)
main.add_command(inspect)
main.add_command(verify)
main.add_command(config)
