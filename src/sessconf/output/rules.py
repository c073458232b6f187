"""The rule table of ``sessconf rules`` (and of the README), generated from the rules' docstrings."""

from __future__ import annotations

from sessconf.codes import all_codes
from sessconf.output.jsonfmt import dumps


def render_rules(fmt: str) -> str:
    rules = all_codes()
    if fmt == "json":
        return dumps(
            [
                {
                    "code": r.code,
                    "name": r.name,
                    "severity": r.severity.value,
                    "changeable": r.changeable,
                    "summary": r.summary,
                    "doc": r.doc,
                }
                for r in rules
            ]
        )
    if fmt == "markdown":
        lines = ["| code | name | severity | changeable | what it finds |", "| --- | --- | --- | --- | --- |"]
        for r in rules:
            changeable = "yes" if r.changeable else "no"
            lines.append(f"| {r.code} | `{r.name}` | {r.severity.value} | {changeable} | {r.summary} |")
        return "\n".join(lines) + "\n"
    width = max(len(r.name) for r in rules)
    out = [f"{'CODE':<6} {'NAME':<{width}} {'SEVERITY':<8} {'CHANGEABLE':<10} DESCRIPTION"]
    for r in rules:
        changeable = "yes" if r.changeable else "no"
        out.append(f"{r.code:<6} {r.name:<{width}} {r.severity.value:<8} {changeable:<10} {r.summary}")
    return "\n".join(out) + "\n"
