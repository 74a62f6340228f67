"""``python -m symvae.cli``: the same as the ``symvae`` command."""

from symvae.cli import main

main()
