# What a symmetry is worth: learning curves of plain and group-invariant kernel ridge
# regression, one job per setting of the config's `invariance` section.


rule invariance_curve:
    input:
        events=invariance_events,
    output:
        out=f"{RESULTS}/invariance/{{setting}}.h5",
    log:
        f"{LOGS}/invariance_curve/{{setting}}.log",
    benchmark:
        f"{BENCHMARKS}/invariance_curve/{{setting}}.tsv"
    conda:
        "../../envs/events.yaml"
    threads: 1
    params:
        setting_spec=invariance_setting,
    script:
        "../../scripts/invariance_curve.py"


rule invariance_summary:
    input:
        curves=expand(f"{RESULTS}/invariance/{{setting}}.h5", setting=INVARIANCE),
    output:
        out=f"{RESULTS}/invariance/summary.h5",
    log:
        f"{LOGS}/invariance_summary.log",
    benchmark:
        f"{BENCHMARKS}/invariance_summary.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        curves=INVARIANCE,
    script:
        "../../scripts/invariance_summary.py"
