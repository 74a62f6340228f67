rule generate:
    output:
        out=f"{RESULTS}/{{process}}/features.h5",
    log:
        f"{LOGS}/generate/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/generate/{{process}}.tsv"
    wildcard_constraints:
        process=process_regex("toy"),
    conda:
        "../../envs/core.yaml"
    params:
        spec=settings("toy"),
    script:
        "../../scripts/generate.py"
