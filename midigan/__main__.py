"""`python -m midigan`: the same as the `midigan` command (and what torchrun -m starts)."""

from midigan.cli import main

main()
