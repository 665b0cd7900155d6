"""``python -m bibexport``."""

from bibexport.cli import main

main()
