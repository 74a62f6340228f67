rule train:
    input:
        features=f"{RESULTS}/{{process}}/features.h5",
    output:
        out=expand(
            f"{RESULTS}/{{process}}/seed{{seed}}/model.pt",
            seed=SEEDS,
            allow_missing=True,
        ),
    log:
        f"{LOGS}/train/{{process}}.log",
    benchmark:
        f"{BENCHMARKS}/train/{{process}}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: SYMVAE.threads
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        spec=settings("train"),
        seed=SEEDS,
    script:
        "../../scripts/train.py"
