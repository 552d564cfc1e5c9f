"""Render ``--help`` of every command as Markdown, for docs/cli.md (run by cog)."""

from __future__ import annotations

import os

from typer.main import get_command
from typer.testing import CliRunner

from chainwatch.cli.app import app


def _commands(group, prefix: tuple[str, ...] = ()):
    yield prefix
    for name, cmd in sorted(getattr(group, "commands", {}).items()):
        yield from _commands(cmd, (*prefix, name))


def render_cli_markdown() -> str:
    """One section per command with its help text exactly as the terminal shows it."""
    os.environ["TERMINAL_WIDTH"] = "100"  # typer reads it when formatting help
    runner = CliRunner()
    out: list[str] = []
    for path in _commands(get_command(app)):
        result = runner.invoke(
            app, [*path, "--help"], prog_name="chainwatch", env={"NO_COLOR": "1", "COLUMNS": "100"}
        )
        text = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
        title = " ".join(("chainwatch", *path))
        out += [f"## `{title}`", "", "```", text.strip("\n"), "```", ""]
    return "\n".join(out)
