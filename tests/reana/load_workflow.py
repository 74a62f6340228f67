"""Load a Snakemake workflow as REANA 0.95 does (``reana_commons.snakemake.snakemake_load_v8``)
and print its steps as JSON. Usage: ``python load_workflow.py SNAKEFILE CONFIGFILE``, run in
the workspace (the folder that holds what ``reana.yaml`` uploads)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import (
    ConfigSettings,
    DeploymentSettings,
    OutputSettings,
    Quietness,
    ResourceSettings,
    StorageSettings,
    WorkflowSettings,
)

#: reana_commons.config.SNAKEMAKE_MAX_PARALLEL_JOBS
MAX_PARALLEL_JOBS = 300


def _resource(rule, name):  # as reana-commons reads it
    value = rule.resources.get(name)
    return getattr(value, "value", value)


def main(snakefile: str, configfile: str) -> None:
    with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(nodes=MAX_PARALLEL_JOBS),
            config_settings=ConfigSettings(configfiles=[Path(configfile)]),
            storage_settings=StorageSettings(),
            storage_provider_settings=dict(),
            workflow_settings=WorkflowSettings(),
            deployment_settings=DeploymentSettings(),
            snakefile=Path(snakefile),
            workdir=None,
        )
        workflow.dag()
        rules = workflow._workflow.rules
    steps = [
        {
            "name": rule.name,
            "environment": (rule.container_img or "").replace("docker://", ""),
            "kubernetes_memory_limit": _resource(rule, "kubernetes_memory_limit"),
        }
        for rule in rules
        if not rule.norun
    ]
    json.dump({"steps": steps}, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:3])
