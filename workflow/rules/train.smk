rule train:
    input:
        features=f"{RESULTS}/{{process}}/features.h5",
    output:
        out=f"{RESULTS}/{{process}}/seed{{seed}}/model.pt",
    log:
        f"{LOGS}/train/{{process}}/seed{{seed}}.log",
    benchmark:
        f"{BENCHMARKS}/train/{{process}}/seed{{seed}}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: SYMVAE.threads
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        spec=settings("train"),
    script:
        "../../scripts/train.py"
