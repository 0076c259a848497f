"""Command line: `flask seed demo` (in the seed group of the imports package)."""

from flask import Flask

from directory.demo.generator import demo_command


def register(app: Flask) -> None:
    """Add `demo` to the `flask seed` group."""
    from directory.imports.commands import seed_cli

    seed_cli.add_command(demo_command)
