"""Entry point of the bundled program (PyInstaller's script): the same front door as
``python -m desktop``."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
