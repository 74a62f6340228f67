# The jet study of processes with a jet_study entry: a leading jet and its constituents.


rule jet_study:
    input:
        features=f"{RESULTS}/{{process}}/features.h5",
        models=process_models,
        relevance=f"{RESULTS}/{{process}}/relevance.h5",
        background=jet_study_background,
    output:
        out=f"{RESULTS}/{{process}}/jet_study.h5",
    log:
        f"{LOGS}/jet_study/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/jet_study/{{process}}.tsv"
    conda:
        "../../envs/jets.yaml"
    params:
        spec=settings("jet_study"),
    script:
        "../../scripts/jet_study.py"
