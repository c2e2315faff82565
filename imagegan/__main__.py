"""`python -m imagegan`: the same as the `imagegan` command (and what torchrun -m starts)."""

from imagegan.cli import main

main()
