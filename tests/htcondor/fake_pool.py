"""Snakemake's HTCondor executor against a pretend pool: no schedd, no daemons.

    SYMVAE_FAKE_CONDOR_RECORD=submits.jsonl SYMVAE_FAKE_CONDOR_RUN=generate \
        python tests/htcondor/fake_pool.py <snakemake arguments>

runs Snakemake's command line in this process after replacing the three things of the
``htcondor2`` bindings that snakemake-executor-plugin-htcondor talks to the pool with:
``Submit`` (it builds the job's submit description), ``Schedd`` (it submits) and
``JobEventLog`` (it reads the jobs' states). Everything else is the plugin's own code: the
submit description it makes from the job's threads and resources, and its handling of the
job's end.

Each description goes through the real ``htcondor2.Submit`` (HTCondor's parser of submit
descriptions: it raises on what it would not accept) and is appended to the record as one
JSON line: the plugin's dict, the parsed keys and the submit-file text. A job of a rule named
in ``SYMVAE_FAKE_CONDOR_RUN`` (comma-separated) is then run here, as an execution point on a
shared file system would run it: its executable and arguments in the submit directory, with
only the environment variables that its ``getenv`` names, stdout and stderr to its
``output``/``error`` files; the event log reports its exit code. Every other job is reported
as removed from the queue (the plugin then fails it), so nothing else runs.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import htcondor2

RECORD = Path(os.environ["SYMVAE_FAKE_CONDOR_RECORD"])
RUN = {name for name in os.environ.get("SYMVAE_FAKE_CONDOR_RUN", "").split(",") if name}
_RealSubmit = htcondor2.Submit
_clusters = itertools.count(1001)
_events: list[FakeEvent] = []


@dataclass
class FakeEvent:
    cluster: int
    type: htcondor2.JobEventType
    attributes: dict = field(default_factory=dict)

    def get(self, key, default=None):
        return self.attributes.get(key, default)


class FakeSubmitResult:
    def __init__(self, cluster: int) -> None:
        self._cluster = cluster

    def cluster(self) -> int:
        return self._cluster


class RecordingSubmit:
    def __init__(self, description: dict) -> None:
        parsed = _RealSubmit(description)  # raises where HTCondor would not accept it
        self.description = dict(description)
        self.entry = {"plugin": self.description, "parsed": dict(parsed), "text": str(parsed)}

    def issue_credentials(self) -> None:
        return None


def _job_environment(description: dict) -> dict[str, str]:
    """What a job started by HTCondor sees: the submitter's variables named by getenv, then
    the description's ``environment`` (KEY="value" pairs)."""
    getenv = str(description.get("getenv", False))
    if getenv.lower() in ("true", "1"):
        env = dict(os.environ)
    elif getenv.lower() in ("false", "0", ""):
        env = {}
    else:
        env = {k: os.environ[k] for k in re.split(r"[\s,]+", getenv) if k in os.environ}
    for key, value in re.findall(r'(\w+)="((?:[^"]|"")*)"', description.get("environment", "")):
        env[key] = value.replace('""', '"')
    return env


def _run_here(description: dict, cluster: int) -> int:
    def path(key: str) -> Path:
        return Path(description[key].replace("$(ClusterId)", str(cluster)))

    with path("output").open("w") as out, path("error").open("w") as err:
        proc = subprocess.run(
            [description["executable"], *shlex.split(description["arguments"])],
            env=_job_environment(description),
            stdout=out,
            stderr=err,
            check=False,
        )
    return proc.returncode


class RecordingSchedd:
    def submit(self, description: RecordingSubmit, *args, **kwargs) -> FakeSubmitResult:
        cluster = next(_clusters)
        with RECORD.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"cluster": cluster, **description.entry}, default=str) + "\n")
        plugin = description.description
        Path(plugin["log"]).touch()  # the plugin reads events once the log file exists
        rule = Path(plugin["output"]).parent.name  # the plugin's jobdir/<rule>/
        if rule in RUN:
            code = _run_here(plugin, cluster)
            event = FakeEvent(cluster, htcondor2.JobEventType.JOB_TERMINATED, {"ReturnValue": code})
        else:
            event = FakeEvent(cluster, htcondor2.JobEventType.JOB_ABORTED)
        _events.append(event)
        return FakeSubmitResult(cluster)

    def act(self, *args, **kwargs) -> None:
        return None

    def query(self, *args, **kwargs) -> list:
        return []

    def history(self, *args, **kwargs) -> list:
        return []


class FakeJobEventLog:
    def __init__(self, path: str) -> None:
        self._read = 0

    def events(self, stop_after=None):
        new, self._read = _events[self._read :], len(_events)
        return iter(new)

    def close(self) -> None:
        return None


htcondor2.Submit = RecordingSubmit
htcondor2.Schedd = RecordingSchedd
htcondor2.JobEventLog = FakeJobEventLog  # before the plugin imports it by name

if __name__ == "__main__":
    from snakemake.cli import main

    main(sys.argv[1:])
