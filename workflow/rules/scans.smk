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


rule scan_train:
    input:
        features=scan_point_features,
    output:
        out=f"{RESULTS}/scans/{{scan}}/{{process}}/{{point}}/seed{{seed}}/model.pt",
        evaluate=f"{RESULTS}/scans/{{scan}}/{{process}}/{{point}}/seed{{seed}}/evaluation.h5",
    log:
        f"{LOGS}/scan_train/{{scan}}/{{process}}/{{point}}/seed{{seed}}.log",
    benchmark:
        f"{BENCHMARKS}/scan_train/{{scan}}/{{process}}/{{point}}/seed{{seed}}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: SYMVAE.threads
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        spec=scan_settings("train+evaluate"),
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
