# Config validation and the input functions shared by every rule.
from snakemake.utils import validate

from symvae.config import load_config


def config_files():
    """The YAML files merged into ``config``, in merge order (--configfile last), named as
    the user gave them."""
    cli = [Path(f).resolve() for f in workflow.overwrite_configfiles]
    own = [f for f in workflow.configfiles if Path(f).resolve() not in cli]
    return [*own, *workflow.overwrite_configfiles]


# symvae's loader checks the config strictly (the schema and what it cannot express) and
# names the file, line and key of the first problem in one line, before any job runs;
# Snakemake's validate then records the schema check in the workflow's own terms.
try:
    SYMVAE = load_config(
        config,
        origins=config_files(),
        command_line=dict(workflow.config_settings.config),
    )
except SymvaeError as err:
    sys.exit(str(err))
validate(config, "../schemas/config.schema.yaml")

# Before planning: no output damaged, no changed input that no longer reads (both would
# cost earlier results); checked once, in the main process, not again in each job.
if workflow.is_main_process:
    from symvae.stages.preflight import preflight

    try:
        preflight(SYMVAE)
    except SymvaeError as err:
        sys.exit(str(err))
RESULTS = SYMVAE.results
PROCESSES = list(SYMVAE.processes)
SEEDS = list(SYMVAE.seeds)
EVENT_PROCESSES = [p for p, s in SYMVAE.processes.items() if s.has_events]
INVARIANCE = list(SYMVAE.invariance)
SCANS = list(SYMVAE.scans)
JET_STUDIES = [p for p, s in SYMVAE.processes.items() if s.jet_study is not None]
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"


wildcard_constraints:
    process="|".join(PROCESSES),
    seed=r"\d+",
    setting="|".join(INVARIANCE) if INVARIANCE else "(?!)",
    scan="|".join(SCANS) if SCANS else "(?!)",
    point=r"p\d+",


def process_regex(*kinds):
    """Regex matching the processes of the given kinds (toy, generated, file)."""
    names = [p for p, s in SYMVAE.processes.items() if s.kind in kinds]
    return "|".join(names) if names else "(?!)"


def event_chunks(wildcards):
    n = SYMVAE.process(wildcards.process).n_chunks
    return [f"{RESULTS}/{wildcards.process}/events/chunk{i}.root" for i in range(n)]


def event_source(wildcards):
    """The user's input file of a file-based process (Snakemake checks that it exists)."""
    return SYMVAE.process(wildcards.process).events["path"]


def settings(stage):
    """Params of a rule: the settings of its process that ``stage`` reads, and no more
    (symvae.declared.STAGE_FIELDS), so that changing any other setting re-runs nothing.
    """

    def view(wildcards):
        return SYMVAE.process(wildcards.process).view(stage)

    return view


def jet_study_background(wildcards):
    """The features of a jet study's background process (none without a tagger)."""
    study = SYMVAE.process(wildcards.process).jet_study
    if study is None or study.background is None:
        return []
    return [f"{RESULTS}/{study.background}/features.h5"]


def process_models(wildcards):
    """Every seed's model of a process: one evaluate job measures them all (one start-up)."""
    return expand(f"{RESULTS}/{wildcards.process}/seed{{seed}}/model.pt", seed=SEEDS)


def process_evaluations(wildcards):
    return expand(
        f"{RESULTS}/{wildcards.process}/seed{{seed}}/evaluation.h5", seed=SEEDS
    )


def invariance_events(wildcards):
    """The events file of an event-based setting (none for the torus and the sphere)."""
    setting = SYMVAE.invariance[wildcards.setting]
    if setting.space != "events":
        return []
    return [f"{RESULTS}/{setting.process}/events.root"]


def invariance_setting(wildcards):
    return SYMVAE.invariance[wildcards.setting].to_dict()


def scan_settings(stage):
    """Params of a scan rule: the settings of one scan point that ``stage`` reads."""

    def view(wildcards):
        scan = SYMVAE.scans[wildcards.scan]
        return scan.point_spec(wildcards.process, wildcards.point).view(stage)

    return view


def scan_point_features(wildcards):
    """A point's features: its own (params, features, data scans) or the process's (vae)."""
    scan = SYMVAE.scans[wildcards.scan]
    return str(scan.features_path(RESULTS, wildcards.process, wildcards.point))


def scan_seed_files(scan, name):
    """A scan point's ``name`` file of every seed of ``scan`` (the outputs of its training)."""
    return expand(
        f"{RESULTS}/scans/{{scan}}/{{process}}/{{point}}/seed{{seed}}/{name}",
        seed=SYMVAE.scans[scan].seeds,
        allow_missing=True,
    )


def scan_inputs(wildcards):
    scan = SYMVAE.scans[wildcards.scan]
    files = scan.inputs(RESULTS)
    return [f for per in files.values() for point in per for f in flatten(point)]


def scan_reference(wildcards):
    return SYMVAE.scans[wildcards.scan].reference_inputs(RESULTS, SEEDS)


def flatten(item):
    return [item] if isinstance(item, str) else list(item)


def final_outputs():
    return [
        f"{RESULTS}/summary.h5",
        f"{RESULTS}/report.pdf",
        *expand(f"{RESULTS}/{{process}}/overview.png", process=PROCESSES),
        *expand(f"{RESULTS}/{{process}}/jet_study.h5", process=JET_STUDIES),
        *([f"{RESULTS}/invariance/summary.h5"] if INVARIANCE else []),
        *expand(f"{RESULTS}/scans/{{scan}}.h5", scan=SCANS),
    ]
