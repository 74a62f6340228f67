# symvae's container: Python 3.11, every dependency at the version of requirements.lock, the
# workflow ready to run. Build from the repository root:
#   docker build -t ghcr.io/symvae/symvae:0.1.0 .
#   docker run --rm -v "$PWD/results:/opt/symvae/results" ghcr.io/symvae/symvae:0.1.0            # the default run
#   docker run --rm ghcr.io/symvae/symvae:0.1.0 symvae --help
# The CPU build of PyTorch by default; for CUDA give its wheel index, e.g.
#   docker build --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu126 -t ghcr.io/symvae/symvae:0.1.0-cuda .
# The Snakefile's container directive names this image (Snakemake --sdm apptainer, REANA).
FROM python:3.11-slim

ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    MPLBACKEND=Agg \
    CONDOR_CONFIG=/dev/null

LABEL org.opencontainers.image.title="symvae" \
      org.opencontainers.image.description="Find the symmetries and degrees of freedom of event data with VAEs" \
      org.opencontainers.image.licenses="BSD-3-Clause"

WORKDIR /opt/symvae
# The lock first: the dependency layer is rebuilt only when the lock or pyproject changes.
COPY pyproject.toml requirements.lock README.md LICENSE ./
COPY src/ src/
RUN pip install --extra-index-url "${TORCH_INDEX}" -c requirements.lock -e ".[cluster]"
COPY Snakefile config.yaml ./
COPY workflow/ workflow/
COPY scripts/ scripts/
COPY envs/ envs/
COPY profiles/ profiles/
COPY data/ data/
RUN symvae --version && snakemake --dry-run --cores 1 --quiet all > /dev/null

CMD ["symvae", "run", "--cores", "all"]
