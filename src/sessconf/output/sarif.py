"""SARIF 2.1.0 for code scanning: one run, every rule described, one result per diagnostic."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sessconf import __version__
from sessconf.codes import Code, all_codes
from sessconf.diagnostics import Diagnostic
from sessconf.lint.engine import LintResult
from sessconf.output import Context
from sessconf.output.jsonfmt import dumps

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


def rule_dict(rule: Code) -> dict[str, Any]:
    doc = rule.doc.replace("``", "`")  # reST literals to Markdown, as in the rule summaries
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": doc},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": {"changeable": rule.changeable},
    }


def result_dict(d: Diagnostic, ctx: Context, index: dict[str, int]) -> dict[str, Any]:
    physical: dict[str, Any] = {
        # a URI reference: spaces and other reserved characters percent-encoded
        "artifactLocation": {"uri": quote(ctx.repo_rel(d.path)), "uriBaseId": SRCROOT}
    }
    if d.line > 0:  # line 0 is the whole file: no region
        region = {"startLine": d.line}
        if d.column > 0:
            region["startColumn"] = d.column
        physical["region"] = region
    hint = f" ({d.hint})" if d.hint else ""
    found: dict[str, Any] = {"ruleId": d.code}
    if d.code in index:
        found["ruleIndex"] = index[d.code]
    found.update(
        level=d.severity.value,
        message={"text": d.message + hint},
        locations=[{"physicalLocation": physical}],
    )
    return found


def lint_dict(result: LintResult, ctx: Context) -> dict[str, Any]:
    ctx = ctx.for_repository(result.repository.root)
    rules = all_codes()
    index = {rule.code: i for i, rule in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sessconf",
                        "version": __version__,
                        "rules": [rule_dict(rule) for rule in rules],
                    }
                },
                # columns count characters (code points), as in every other output
                "columnKind": "unicodeCodePoints",
                "results": [result_dict(d, ctx, index) for d in result.diagnostics],
            }
        ],
    }


def render_lint(result: LintResult, ctx: Context) -> str:
    return dumps(lint_dict(result, ctx))
