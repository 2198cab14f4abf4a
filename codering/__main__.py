"""``python -m codering`` runs the command line."""

from codering.cli import main

main()
