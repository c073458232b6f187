"""Rendering by format name: the module of each output format."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from sessconf.lint.engine import LintResult
from sessconf.output import Context

if TYPE_CHECKING:
    from sessconf.plan.plan import Plan

_MODULES = {"text": "text", "json": "jsonfmt", "github": "github", "sarif": "sarif", "markdown": "markdown"}


def lint(result: LintResult, fmt: str, ctx: Context) -> str:
    module = importlib.import_module(f"sessconf.output.{_MODULES[fmt]}")
    text: str = module.render_lint(result, ctx)
    return text


def plan(value: Plan, fmt: str, ctx: Context) -> str:
    module = importlib.import_module(f"sessconf.output.{_MODULES[fmt]}")
    text: str = module.render_plan(value, ctx)
    return text
