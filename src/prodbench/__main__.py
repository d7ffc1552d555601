"""``python -m prodbench``: the command line."""

from prodbench.cli import script

# Guarded: worker processes started with the "spawn" method (a Dask
# LocalCluster, ``sweep --scheduler local:N``) import the main module again.
if __name__ == "__main__":
    script()  # main(), then os._exit with its code (see prodbench.cli.script)
