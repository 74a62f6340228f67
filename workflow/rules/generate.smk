rule generate:
    output:
        f"{RESULTS}/{{process}}/features.h5",
    wildcard_constraints:
        process=process_regex("toy"),
    log:
        f"{LOGS}/generate/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/generate/{{process}}.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        spec=spec,
    script:
        "../../scripts/generate.py"
