"""``pyproject.toml``: the ``[tool.sessconf]`` table read into :class:`Settings`, its problems as
diagnostics at their line (SPEC §6)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from sessconf.codes import CODES, lookup
from sessconf.codes.files import INVALID_SETTINGS
from sessconf.diagnostics import Diagnostic, did_you_mean
from sessconf.limits import SETTINGS_FILE_MAX
from sessconf.repository.files import Failure, ReadError, read_file, unreadable
from sessconf.settings import Settings

_MAX_DEPTH = 100


def load_settings(root: Path, read: bytes | ReadError | None = None) -> tuple[Settings, list[Diagnostic]]:
    """Read ``root/pyproject.toml`` (``read``: its bytes, or why they could not be read, when the
    caller has read it); problems become diagnostics and defaults stand in."""
    path = root / "pyproject.toml"
    try:
        raw = read_file(path, SETTINGS_FILE_MAX) if read is None else read
        if isinstance(raw, ReadError):
            raise raw
    except ReadError as exc:
        if exc.failure is Failure.MISSING:
            return Settings(), []
        return Settings(), [unreadable(path, exc)]
    import tomllib

    from sessconf.yaml.read import read_text  # both only for a file to read: not from a cache

    problems: list[Diagnostic] = []
    text = read_text(path, raw, problems)
    if text is None:
        return Settings(), problems
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        pos = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        message = re.sub(r"\s*\(at .*\)$", "", str(exc))
        return Settings(), [INVALID_SETTINGS.at(path, pos, f"pyproject.toml is not valid TOML: {message}")]
    except RecursionError:  # tomllib recurses once per level of nested arrays and inline tables
        return Settings(), [
            INVALID_SETTINGS.at(
                path,
                _too_deep(text),
                f"pyproject.toml nests arrays or tables more than {_MAX_DEPTH} levels deep",
            )
        ]
    locate = _Locator(text)
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        return Settings(), [
            INVALID_SETTINGS.at(path, locate.table(), "'tool' must be a table, such as [tool.sessconf]")
        ]
    table = tool.get("sessconf", {})
    if not isinstance(table, dict):
        return Settings(), [INVALID_SETTINGS.at(path, locate.table(), "[tool.sessconf] must be a table")]
    if not table:
        return Settings(), problems
    from pydantic import ValidationError  # only for a table to validate

    from sessconf.repository.settings_schema import SettingsSchema

    try:
        settings = SettingsSchema.model_validate(table).settings()
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            key = ".".join(str(part) for part in err["loc"])
            if err["type"] == "extra_forbidden":
                hint = did_you_mean(str(err["loc"][0]), SettingsSchema.model_fields)
                message = f"unknown setting '{key}'"
            else:
                hint = None
                message = f"setting '{key}': {_sentence(err['msg'])}"
            problems.append(INVALID_SETTINGS.at(path, locate(err["loc"]), message, hint))
        valid = {k: v for k, v in table.items() if k in SettingsSchema.model_fields}
        bad = {str(err["loc"][0]) for err in exc.errors()}
        settings = SettingsSchema.model_validate({k: v for k, v in valid.items() if k not in bad}).settings()
    problems.extend(_check_rule_levels(path, settings, locate))
    if problems:
        rules = {k: v for k, v in settings.rules.items() if _changeable(k)}
        settings = replace(settings, rules=rules)
    return settings, problems


def _changeable(code: str) -> bool:
    rule = lookup(code)
    return rule is not None and rule.changeable


def _check_rule_levels(path: Path, settings: Settings, locate: _Locator) -> list[Diagnostic]:
    problems = []
    for code in settings.rules:
        rule = lookup(code)
        if rule is None:
            known = [*CODES, *(r.name for r in CODES.values())]
            problems.append(
                INVALID_SETTINGS.at(
                    path, locate(("rules", code)), f"unknown rule '{code}'", did_you_mean(code, known)
                )
            )
        elif not rule.changeable:
            problems.append(
                INVALID_SETTINGS.at(
                    path,
                    locate(("rules", code)),
                    f"rule {rule.code} ({rule.name}) cannot be re-graded",
                    "`sessconf rules` lists the rules that can",
                )
            )
    return problems


def _sentence(msg: str) -> str:
    return msg[:1].lower() + msg[1:]


def _too_deep(text: str) -> tuple[int, int]:
    """Where brackets first open more than ``_MAX_DEPTH`` levels deep (strings and comments are
    not told apart: this only places an error that tomllib found)."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for column, char in enumerate(line, start=1):
            if char in "[{":
                depth += 1
                if depth > _MAX_DEPTH:
                    return (number, column)
            elif char in "]}":
                depth -= 1
    return (1, 1)


class _Locator:
    """Finds the line of a setting in the TOML text (tomllib keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def table(self) -> tuple[int, int]:
        """Where ``tool`` or ``tool.sessconf`` is given a value that is not a table."""
        section = None
        for number, line in enumerate(self.lines, start=1):
            stripped = line.split("#", 1)[0].strip()
            if stripped.startswith("["):
                section = stripped
                continue
            key = re.match(r"""["']?([\w-]+)["']?\s*(?:\.\s*["']?([\w-]+)["']?\s*)?=""", stripped)
            if key is None:
                continue
            if (section is None and key.group(1) == "tool") or (
                section == "[tool]" and key.group(1) == "sessconf"
            ):
                return (number, len(line) - len(line.lstrip()) + 1)
        return (1, 1)

    def __call__(self, loc: tuple[int | str, ...]) -> tuple[int, int]:
        section = None
        headers = ("[tool.sessconf]", "[tool.sessconf.rules]")
        found = (1, 1)
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            if stripped.startswith("["):
                section = stripped.split("#", 1)[0].strip()
                if section == headers[0] and found == (1, 1):
                    found = (number, 1)
                continue
            if section not in headers or not loc:
                continue
            key = str(loc[-1]) if section == headers[1] else str(loc[0])
            match = re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line)
            if match is not None:
                return (number, len(line) - len(line.lstrip()) + 1)
            inline = re.search(rf"[\"']?{re.escape(str(loc[-1]))}[\"']?\s*=", line)
            if section == headers[0] and len(loc) > 1 and inline is not None:
                return (number, inline.start() + 1)
        return found
