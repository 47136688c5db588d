"""`python -m cartelsim` runs the command line."""

from cartelsim.cli.main import main

main()
