"""`python -m ordex` runs the command line."""

from ordex.entrypoints.cli import main

main()
