rule generate:
    output:
        f"{RESULTS}/{{process}}/features.h5",
    params:
        spec=spec,
    log:
        f"{LOGS}/generate/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/generate/{{process}}.tsv"
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/generate.py"
