"""CLI sub-commands, one module each with ``register(subparsers)``.

Modules here are found by ``desktop.cli`` (and listed for PyInstaller by the spec).
A command never imports Qt.
"""
