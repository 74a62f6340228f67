# symvae: train one VAE per process and seed, measure the relevance of its latent
# directions, and compare the count with each process's analytic degrees of freedom.
from snakemake.utils import min_version

min_version("9.0")


include: "workflow/rules/setup.smk"


configfile: "config.yaml"


# The image every job runs in under --sdm apptainer and on REANA: built from the Dockerfile
# (every dependency at the version of requirements.lock). Local runs ignore it.
container: "docker://ghcr.io/symvae/symvae:0.1.0"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/events.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/relevance.smk"
include: "workflow/rules/jets.smk"
include: "workflow/rules/invariance.smk"
include: "workflow/rules/scans.smk"
include: "workflow/rules/report.smk"


# On a cluster, the steps that only gather a few small files run where Snakemake runs (each
# takes under a second; as a cluster job it would wait a round of status checks).
localrules:
    collect,
    summarize,
    invariance_summary,


rule all:
    default_target: True
    input:
        final_outputs(),
