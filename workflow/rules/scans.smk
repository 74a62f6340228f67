# Scans: one setting over a grid of values (config key 'scans'), each value trained and
# measured as its own process; rule scan_collect turns the points into curves.


rule scan_generate:
    output:
        out=f"{RESULTS}/scans/{{scan}}/{{process}}/{{point}}/features.h5",
    log:
        f"{LOGS}/scan_generate/{{scan}}/{{process}}/{{point}}.log",
    benchmark:
        f"{BENCHMARKS}/scan_generate/{{scan}}/{{process}}/{{point}}.tsv"
    wildcard_constraints:
        process=process_regex("toy"),
    conda:
        "../../envs/core.yaml"
    params:
        spec=scan_settings("toy"),
    script:
        "../../scripts/generate.py"


rule scan_event_features:
    input:
        events=f"{RESULTS}/{{process}}/events.root",
    output:
        out=f"{RESULTS}/scans/{{scan}}/{{process}}/{{point}}/features.h5",
    log:
        f"{LOGS}/scan_event_features/{{scan}}/{{process}}/{{point}}.log",
    benchmark:
        f"{BENCHMARKS}/scan_event_features/{{scan}}/{{process}}/{{point}}.tsv"
    wildcard_constraints:
        process=process_regex("generated", "file"),
    conda:
        "../../envs/events.yaml"
    params:
        spec=scan_settings("features"),
    script:
        "../../scripts/event_features.py"


# One job per scan point trains every seed of its scan as one batched ensemble (as rule
# train does for a process) and evaluates each model in the same job. A rule's outputs
# cannot depend on a wildcard and scans may train different seeds, so each scan gets a rule
# of its own, scan_train_<scan>, whose outputs are that scan's seeds.
for _scan in SCANS:

    rule:
        name:
            f"scan_train_{_scan}"
        input:
            features=scan_point_features,
        output:
            out=scan_seed_files(_scan, "model.pt"),
            evaluate=scan_seed_files(_scan, "evaluation.h5"),
        log:
            f"{LOGS}/scan_train/{{scan}}/{{process}}/{{point}}.log",
        benchmark:
            f"{BENCHMARKS}/scan_train/{{scan}}/{{process}}/{{point}}.tsv"
        wildcard_constraints:
            scan=_scan,
        conda:
            "../../envs/torch.yaml"
        threads: SYMVAE.threads
        resources:
            mem_mb=2000,
            runtime=60,
        params:
            spec=scan_settings("train+evaluate"),
            seed=list(SYMVAE.scans[_scan].seeds),
        script:
            "../../scripts/train.py"


rule scan_collect:
    input:
        points=scan_inputs,
        reference=scan_reference,
    output:
        out=f"{RESULTS}/scans/{{scan}}.h5",
    log:
        f"{LOGS}/scan_collect/{{scan}}.log",
    benchmark:
        f"{BENCHMARKS}/scan_collect/{{scan}}.tsv"
    conda:
        "../../envs/torch.yaml"
    params:
        results=lambda wildcards, output: str(Path(output[0]).parent.parent),
    script:
        "../../scripts/scan_collect.py"
