"""Checks of a process's settings that the JSON schema cannot express: generator
parameters, analytic equations in the feature names, cross-field minimums."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from symvae.config.process import ProcessSpec
from symvae.errors import ConfigError

__all__ = ["check_events", "check_params", "check_process"]


def check_process(spec: ProcessSpec, key: str, processes: Mapping[str, Any]) -> None:
    from symvae.datasets import GENERATORS

    if spec.generator:
        check_params(GENERATORS[spec.generator], spec.params, f"{key}.params", spec.generator)
    if spec.events is not None and spec.events["source"] == "rambo":
        from symvae.events.rambo import rambo

        check_params(rambo, spec.events.get("params", {}), f"{key}.events.params", "rambo")
    truth = spec.directions
    if spec.features is not None and (truth.constraints or truth.approximate):
        from symvae.directions.equations import parse_constraints
        from symvae.events.features import feature_columns

        names = feature_columns(spec.features)[0]
        for which in ("constraints", "approximate"):
            try:
                parse_constraints(getattr(truth, which), names)
            except ConfigError as err:
                raise ConfigError(f"{key}.directions.{which}': {err}") from None
    if spec.compare_to and spec.compare_to not in processes:
        raise ConfigError(f"{key}.compare_to': no process named '{spec.compare_to}'")
    study = spec.jet_study
    if study is not None and study.background is not None:
        if study.background not in processes or study.background == spec.name:
            raise ConfigError(
                f"{key}.jet_study.background': '{study.background}' is not another process "
                f"of the config"
            )
    d = spec.data
    if d.validation_fraction + d.test_fraction >= 0.9:
        raise ConfigError(
            f"{key}.data': validation_fraction + test_fraction must leave at least 10% "
            f"for training, got {d.validation_fraction} + {d.test_fraction}"
        )
    check_events(spec, key)
    if spec.events is not None and spec.events.get("jets") is not None:
        from symvae.events.jets import JetSelection

        if spec.events["source"] != "pythia":
            raise ConfigError(f"{key}.events.jets': jets are clustered from Pythia events only")
        JetSelection.from_dict(spec.events["jets"], f"{key}.events.jets'")
    if spec.events is not None and spec.events["source"] == "pythia":
        last = d.seed + spec.n_chunks - 1
        if last > 900_000_000:
            raise ConfigError(
                f"{key}.data.seed': Pythia takes seeds up to 900000000, and chunk seeds run "
                f"to data.seed + chunks - 1 = {last}"
            )
    if spec.dof is None and spec.exact:
        raise ConfigError(
            f"{key}.dof': null (no analytic count) goes with exact: false; an exact process "
            "knows its degrees of freedom"
        )
    if spec.dof is not None and spec.vae.latent_dim < spec.dof:
        raise ConfigError(
            f"{key}.vae.latent_dim': {spec.vae.latent_dim} latent directions cannot hold "
            f"dof = {spec.dof}"
        )


def check_params(func: Any, params: Mapping[str, Any], key: str, name: str) -> None:
    accepted = {
        p.name for p in inspect.signature(func).parameters.values() if p.kind == p.KEYWORD_ONLY
    }
    for param in params:
        if param not in accepted:
            raise ConfigError(
                f"{key}.{param}': unknown parameter of generator '{name}' "
                f"(accepted: {', '.join(sorted(accepted))})"
            )


def check_events(spec: ProcessSpec, key: str) -> None:
    """The event count fixed by the config covers what the later steps need."""
    from symvae.config.resources import minimum_events, n_events

    n = n_events(spec)
    need, why = minimum_events(spec)
    if n is not None and n < need:
        field = "data.n_events" if not spec.has_events else "events.n_events"
        field = "events.max_events" if spec.kind == "file" else field
        raise ConfigError(f"{key}.{field}': {n} events are too few for {why} (need {need})")
