"""Dispatch to a format module by name."""

from __future__ import annotations

import importlib

from sessconf.lint import LintResult
from sessconf.output import Context

_MODULES = {"text": "text", "json": "jsonfmt", "github": "github", "sarif": "sarif"}


def lint(result: LintResult, fmt: str, ctx: Context) -> str:
    module = importlib.import_module(f"sessconf.output.{_MODULES[fmt]}")
    text: str = module.render_lint(result, ctx)
    return text
