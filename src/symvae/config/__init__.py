"""Configuration: schema validation, defaults and per-process settings.

The workflow's ``config.yaml`` has three parts: ``seeds`` (training seeds), ``defaults``
(data, VAE, relevance and local-dimension settings shared by every process) and
``processes`` (one entry per dataset, naming its generator, its analytic degrees of freedom
and any per-process overrides of the defaults); optional ``invariance`` and ``scans``
sections add experiments. :func:`load_config` validates a config against the JSON schema
shipped with the package and merges the defaults into each process, so that every error
names the offending key before any work starts.

- :mod:`~symvae.config.process`: :class:`ProcessSpec` and its sections;
- :mod:`~symvae.config.invariance`: :class:`InvarianceSetting`;
- :mod:`~symvae.config.scans`: :class:`ScanSetting`, one setting over a grid of values;
- :mod:`~symvae.config.checks`: the checks that the schema cannot express;
- :mod:`~symvae.config.load`: :func:`load_config` and :class:`Config`.
"""

from symvae.config.invariance import InvarianceSetting
from symvae.config.load import BUILTIN_DEFAULTS, Config, load_config, schema
from symvae.config.process import (
    DataConfig,
    DirectionsTruth,
    LocalDofConfig,
    ProcessSpec,
    RelevanceConfig,
    VAEConfig,
)
from symvae.config.scans import MEASURES, ScanSetting

__all__ = [
    "BUILTIN_DEFAULTS",
    "MEASURES",
    "Config",
    "DataConfig",
    "DirectionsTruth",
    "InvarianceSetting",
    "LocalDofConfig",
    "ProcessSpec",
    "RelevanceConfig",
    "ScanSetting",
    "VAEConfig",
    "load_config",
    "schema",
]
