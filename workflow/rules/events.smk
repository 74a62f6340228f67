rule generate_chunk:
    output:
        temp(f"{RESULTS}/{{process}}/events/chunk{{chunk}}.root"),
    wildcard_constraints:
        process=process_regex("generated"),
        chunk=r"\d+",
    params:
        spec=spec,
    resources:
        mem_mb=2000,
        runtime=60,
    log:
        f"{LOGS}/generate_chunk/{{process}}/chunk{{chunk}}.log",
    benchmark:
        f"{BENCHMARKS}/generate_chunk/{{process}}/chunk{{chunk}}.tsv"
    conda:
        "../../envs/events.yaml"
    script:
        "../../scripts/generate_events.py"


rule merge_chunks:
    input:
        event_chunks,
    output:
        f"{RESULTS}/{{process}}/events.root",
    wildcard_constraints:
        process=process_regex("generated"),
    params:
        spec=spec,
    log:
        f"{LOGS}/merge_chunks/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/merge_chunks/{{process}}.tsv"
    conda:
        "../../envs/events.yaml"
    script:
        "../../scripts/merge_events.py"


rule ingest:
    input:
        event_source,
    output:
        f"{RESULTS}/{{process}}/events.root",
    wildcard_constraints:
        process=process_regex("file"),
    params:
        spec=spec,
    log:
        f"{LOGS}/ingest/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/ingest/{{process}}.tsv"
    conda:
        "../../envs/events.yaml"
    script:
        "../../scripts/ingest_events.py"


rule event_features:
    input:
        f"{RESULTS}/{{process}}/events.root",
    output:
        f"{RESULTS}/{{process}}/features.h5",
    wildcard_constraints:
        process=process_regex("generated", "file"),
    params:
        spec=spec,
    log:
        f"{LOGS}/event_features/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/event_features/{{process}}.tsv"
    conda:
        "../../envs/events.yaml"
    script:
        "../../scripts/event_features.py"
