# Before Snakemake reads config.yaml: make symvae importable and read the file strictly,
# so that a YAML syntax error or a repeated key is one line naming the file and line.
import sys
from pathlib import Path

try:  # an installed symvae wins; a source checkout works without installing
    import symvae
except ImportError:
    sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from symvae.config.source import read_yaml
from symvae.errors import SymvaeError

if Path("config.yaml").exists():
    try:
        read_yaml("config.yaml")
    except SymvaeError as err:
        sys.exit(str(err))
