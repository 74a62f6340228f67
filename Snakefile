# symvae: train one VAE per process and seed, measure the relevance of its latent
# directions, and compare the count with each process's analytic degrees of freedom.
from snakemake.utils import min_version

min_version("9.0")


include: "workflow/rules/setup.smk"


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/events.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/relevance.smk"
include: "workflow/rules/invariance.smk"
include: "workflow/rules/scans.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
