rule generate_chunk:
    output:
        out=temp(f"{RESULTS}/{{process}}/events/chunk{{chunk}}.root"),
    log:
        f"{LOGS}/generate_chunk/{{process}}/chunk{{chunk}}.log",
    benchmark:
        f"{BENCHMARKS}/generate_chunk/{{process}}/chunk{{chunk}}.tsv"
    wildcard_constraints:
        process=process_regex("generated"),
        chunk=r"\d+",
    conda:
        "../../envs/events.yaml"
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        spec=settings("events"),
    script:
        "../../scripts/generate_events.py"


rule merge_chunks:
    input:
        chunks=event_chunks,
    output:
        out=f"{RESULTS}/{{process}}/events.root",
    log:
        f"{LOGS}/merge_chunks/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/merge_chunks/{{process}}.tsv"
    wildcard_constraints:
        process=process_regex("generated"),
    conda:
        "../../envs/events.yaml"
    params:
        spec=settings("events"),
    script:
        "../../scripts/merge_events.py"


rule ingest:
    input:
        event_source,
    output:
        out=f"{RESULTS}/{{process}}/events.root",
    log:
        f"{LOGS}/ingest/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/ingest/{{process}}.tsv"
    wildcard_constraints:
        process=process_regex("file"),
    conda:
        "../../envs/events.yaml"
    params:
        spec=settings("events"),
    script:
        "../../scripts/ingest_events.py"


rule event_features:
    input:
        events=f"{RESULTS}/{{process}}/events.root",
    output:
        out=f"{RESULTS}/{{process}}/features.h5",
    log:
        f"{LOGS}/event_features/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/event_features/{{process}}.tsv"
    wildcard_constraints:
        process=process_regex("generated", "file"),
    conda:
        "../../envs/events.yaml"
    params:
        spec=settings("features"),
    script:
        "../../scripts/event_features.py"
