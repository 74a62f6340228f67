rule evaluate:
    input:
        features=f"{RESULTS}/{{process}}/features.h5",
        models=process_models,
    output:
        evaluations=expand(
            f"{RESULTS}/{{process}}/seed{{seed}}/evaluation.h5",
            seed=SEEDS,
            allow_missing=True,
        ),
        directions=f"{RESULTS}/{{process}}/directions.h5",
    log:
        f"{LOGS}/evaluate/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/evaluate/{{process}}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 1
    params:
        spec=settings("evaluate"),
    script:
        "../../scripts/evaluate.py"


rule collect:
    input:
        evaluations=process_evaluations,
        features=f"{RESULTS}/{{process}}/features.h5",
    output:
        out=f"{RESULTS}/{{process}}/relevance.h5",
    log:
        f"{LOGS}/collect/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/collect/{{process}}.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        spec=settings("relevance"),
        evaluations=SEEDS,
    script:
        "../../scripts/collect.py"


rule summarize:
    input:
        relevance=expand(f"{RESULTS}/{{process}}/relevance.h5", process=PROCESSES),
        directions=expand(f"{RESULTS}/{{process}}/directions.h5", process=PROCESSES),
    output:
        out=f"{RESULTS}/summary.h5",
    log:
        f"{LOGS}/summarize.log",
    benchmark:
        f"{BENCHMARKS}/summarize.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        relevance=PROCESSES,
        directions=PROCESSES,
        settings={
            "seeds": SEEDS,
            "processes": {
                p: s.view("relevance")["settings"] for p, s in SYMVAE.processes.items()
            },
        },
    script:
        "../../scripts/summarize.py"
