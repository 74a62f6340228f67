rule plot_process:
    input:
        relevance=f"{RESULTS}/{{process}}/relevance.h5",
    output:
        out=report(
            f"{RESULTS}/{{process}}/overview.png",
            caption="../report/overview.rst",
            category="Processes",
            subcategory="{process}",
            labels={"process": "{process}", "figure": "overview"},
        ),
    log:
        f"{LOGS}/plot_process/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/plot_process/{{process}}.tsv"
    conda:
        "../../envs/report.yaml"
    script:
        "../../scripts/plot_process.py"


rule report:
    input:
        summary=f"{RESULTS}/summary.h5",
        relevance=expand(f"{RESULTS}/{{process}}/relevance.h5", process=PROCESSES),
        features=expand(f"{RESULTS}/{{process}}/features.h5", process=EVENT_PROCESSES),
        invariance=expand(f"{RESULTS}/invariance/{{setting}}.h5", setting=INVARIANCE),
        directions=expand(f"{RESULTS}/{{process}}/directions.h5", process=PROCESSES),
        scans=expand(f"{RESULTS}/scans/{{scan}}.h5", scan=SCANS),
        jet_study=expand(f"{RESULTS}/{{process}}/jet_study.h5", process=JET_STUDIES),
    output:
        out=report(
            f"{RESULTS}/report.pdf",
            caption="../report/report_pdf.rst",
            category="Report",
            labels={"file": "report.pdf"},
        ),
    log:
        f"{LOGS}/report.log",
    benchmark:
        f"{BENCHMARKS}/report.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        relevance=PROCESSES,
        features=EVENT_PROCESSES,
        invariance=INVARIANCE,
        directions=PROCESSES,
        scans=SCANS,
        jet_study=JET_STUDIES,
    script:
        "../../scripts/report.py"
