"""``sessconf lint``: load the whole repository, run every rule, apply settings and suppressions."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sessconf.diagnostics import Diagnostic, Severity, sort_diagnostics
from sessconf.errors import UsageError
from sessconf.loader import BILLING_FILE, LOCATIONS_FILE, TEMPLATES_DIR, Repository, load_repository
from sessconf.rules import Rule, all_rules, levels, lookup, turned_off
from sessconf.rules import advice as A
from sessconf.rules import loading as R

# Problems of the repository's shape are reported whatever files were asked for.
_ALWAYS_REPORTED = {R.MISSING_FILE.code, R.STRAY_FILE.code}


@dataclass(frozen=True, slots=True)
class LintResult:
    repository: Repository
    diagnostics: list[Diagnostic]
    files: int

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    def failed(self, *, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


def lint(
    root: Path,
    paths: Sequence[Path] = (),
    *,
    jobs: int | None = None,
    overlay: Mapping[Path, bytes] | None = None,
) -> LintResult:
    """Lint the repository at ``root``; report the diagnostics of ``paths`` (all files when empty).

    ``overlay``: session files read from memory instead of the disk (see ``load_repository``).
    """
    repo = load_repository(root, jobs=jobs, overlay=overlay, meanwhile=prepare_rules)
    return lint_repository(repo, paths)


def prepare_rules(repo: Repository) -> None:
    """Run what the rules can do ahead, with the settings and catalogues alone (the loader calls
    this while other processes are still loading session files)."""
    off = turned_off(repo)
    for rule in all_rules():
        if rule.prepare is not None and rule.code not in off:
            rule.prepare(repo)


def lint_repository(repo: Repository, paths: Sequence[Path] = ()) -> LintResult:
    rules = all_rules()
    found = list(repo.diagnostics)
    off = turned_off(repo)  # what the settings turn off costs nothing: its check does not run
    for rule in rules:
        if rule.check is not None and rule.code not in off:
            found.extend(rule.check(repo))
    found.extend(_useless_suppressions(repo))
    found = list(_apply_settings(found, repo))
    selected = select_files(repo, paths)
    if selected is not None:
        found = [d for d in found if d.path in selected or d.code in _ALWAYS_REPORTED]
    files = repo.file_count if selected is None else len(selected)
    return LintResult(repo, sort_diagnostics(found), files)


def select_files(repo: Repository, paths: Sequence[Path]) -> set[Path] | None:
    """The files whose diagnostics to report, or None for all of them.

    A catalogue, ``pyproject.toml`` or a template among ``paths`` selects every file: a change to
    one of them can break any session. A folder of the repository selects the files under it. A
    path that is not a file of the repository (or a folder holding some) is a usage error.
    """
    if not paths:
        return None
    root = repo.root
    # The files read, and the entries reported as stray or unreadable (at their own paths).
    known = {*repo.files, *(d.path for d in repo.diagnostics)}
    whole_repo = {repo.locations_path, repo.billing_items_path, root / "pyproject.toml"}
    templates = root / TEMPLATES_DIR
    selected: set[Path] = set()
    for given in paths:
        path = _absolute(given)
        if not os.path.lexists(path):
            raise UsageError(f"no such file or folder: {given}")
        if path in whole_repo:
            return None
        if path in known:
            selected.add(path)
            continue
        if os.path.isdir(path):
            path = Path(os.path.realpath(path))
        if not path.is_relative_to(root):
            raise UsageError(
                f"{given} is not in the repository {root}", "pass the repository that holds it with --dir"
            )
        if path == root or path.is_relative_to(templates):
            return None
        under = {f for f in known if f.is_relative_to(path)} if os.path.isdir(path) else set()
        if not under and path != repo.sessions_dir:
            raise UsageError(
                f"{given} is not a file of the repository",
                "sessconf lints pyproject.toml, locations.yaml, billing_items.yaml, sessions/*.yaml "
                "and templates/",
            )
        selected |= under
    return selected


def _absolute(given: Path) -> Path:
    """``given`` as an absolute path with the links of its folders resolved, as the loader's paths
    are (the last part is kept as written: a link that is a file of the repository stays the
    link)."""
    absolute = Path(os.path.abspath(given))
    if not absolute.name:  # the file system's root
        return absolute
    return Path(os.path.realpath(absolute.parent)) / absolute.name


def _apply_settings(found: Iterable[Diagnostic], repo: Repository) -> Iterable[Diagnostic]:
    rules = {r.code: r for r in all_rules()}
    overrides = levels(repo.settings.rules)
    suppressions = repo.suppressions
    for diagnostic in found:
        rule = rules.get(diagnostic.code)
        if rule is None or not rule.changeable:
            yield diagnostic
            continue
        level: str | None = overrides.get(rule.code)
        if level == "off":
            continue
        marks = suppressions.get(diagnostic.path)
        if marks is not None and marks.silences(rule.code, rule.name, diagnostic.line):
            continue
        yield diagnostic if level is None else diagnostic.with_severity(Severity(level))


def _useless_suppressions(repo: Repository) -> Iterable[Diagnostic]:
    for path, marks in repo.suppressions.items():
        for line, column, code in marks.named:
            rule: Rule | None = lookup(code)
            if rule is None:
                yield A.USELESS_SUPPRESSION.at(
                    path,
                    (line, column),
                    f"unknown rule '{code}' in a disable comment",
                    "see `sessconf rules`",
                )
            elif not rule.changeable:
                yield A.USELESS_SUPPRESSION.at(
                    path,
                    (line, column),
                    f"rule {rule.code} ({rule.name}) cannot be disabled",
                    "fix the problem instead",
                )


__all__ = [
    "BILLING_FILE",
    "LOCATIONS_FILE",
    "LintResult",
    "lint",
    "lint_repository",
    "prepare_rules",
    "select_files",
]
