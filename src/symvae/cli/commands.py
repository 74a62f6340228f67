"""The subcommands of ``symvae`` (thin: the work is done by the library modules they call)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from symvae.errors import SymvaeError

__all__ = ["config", "inspect", "run", "verify"]


def _fail(err: SymvaeError) -> None:
    """One line on stderr, exit status 2 (bad input), as every symvae entry point does."""
    click.echo(f"symvae: {err}", err=True)
    sys.exit(2)


@click.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--config", "-c", "configfile", type=click.Path(dir_okay=False), default=None,
    help="Config file (default: the Snakefile's, config.yaml).",
)  # fmt: skip
@click.option(
    "--profile", "-p", type=click.Path(file_okay=False), default=None,
    help="Snakemake profile folder, e.g. profiles/paper or profiles/slurm.",
)  # fmt: skip
@click.option("--cores", default=None, help="Cores to use (default: all, unless the profile says).")
@click.option("--directory", "-d", type=click.Path(file_okay=False), default=None,
              help="Working directory: results/ and logs go below it.")  # fmt: skip
@click.option("--snakefile", type=click.Path(dir_okay=False), default=None,
              help="The workflow (default: ./Snakefile, else the clone symvae runs from).")  # fmt: skip
@click.option("--dry-run", "-n", is_flag=True, help="Show the jobs without running them.")
@click.option("--verbose", "-v", is_flag=True,
              help="Snakemake's own per-job log instead of the progress bar.")  # fmt: skip
@click.argument("snakemake_args", nargs=-1, type=click.UNPROCESSED)
def run(
    configfile: str | None,
    profile: str | None,
    cores: str | None,
    directory: str | None,
    snakefile: str | None,
    dry_run: bool,
    verbose: bool,
    snakemake_args: tuple[str, ...],
) -> None:
    """Run the workflow (Snakemake's API) with a progress bar.

    Arguments after the options go to Snakemake as they are, e.g.
    ``symvae run --profile profiles/paper -- --rerun-incomplete``.
    """
    from symvae.cli.workflow import find_snakefile, run_workflow
    from symvae.cli.workflow import snakemake_args as build

    try:
        args = build(
            snakefile=find_snakefile(snakefile),
            configfile=configfile,
            profile=profile,
            cores=cores,
            directory=directory,
            dry_run=dry_run,
            quiet=not verbose,
            extra=snakemake_args,
        )
    except SymvaeError as err:
        _fail(err)
    sys.exit(0 if run_workflow(args, progress=not verbose and not dry_run) else 1)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
def inspect(file: str) -> None:
    """What the output FILE holds: datasets with shape, type, unit and meaning, its
    provenance, and for summary.h5 the degrees-of-freedom table."""
    from symvae.outputs.inspect import describe

    try:
        click.echo(describe(Path(file)))
    except SymvaeError as err:
        _fail(err)


@click.command()
@click.argument("results", type=click.Path(file_okay=False), default="results")
@click.option("--quiet", "-q", is_flag=True, help="Only the summary line.")
def verify(results: str, quiet: bool) -> None:
    """Check every output under RESULTS (default: results): complete (not truncated), and
    holding what its layout declares. Exit status 1 when a file has a problem."""
    from symvae.outputs.verify import verify_results

    try:
        report = verify_results(Path(results))
    except SymvaeError as err:
        _fail(err)
    if not quiet:
        for problem in report.problems:
            click.echo(str(problem))
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


@click.command()
@click.option("--explain", "key", metavar="KEY", default=None,
              help="A dotted key, e.g. defaults.vae.beta or processes.<name>.features.smearing.")  # fmt: skip
@click.option("--list", "list_keys", is_flag=True, help="Every key the schema knows.")
def config(key: str | None, list_keys: bool) -> None:
    """The meaning, type, allowed range and default of a configuration key, from the
    config schema."""
    from symvae.config.explain import config_keys, explain

    if list_keys:
        click.echo("\n".join(config_keys()))
        return
    if key is None:
        raise click.UsageError("give --explain KEY or --list")
    try:
        click.echo(str(explain(key)))
    except SymvaeError as err:
        _fail(err)
