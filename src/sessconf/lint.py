"""``sessconf lint``: load the whole repository, run every rule, apply settings and suppressions."""

from __future__ import annotations

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
    one of them can break any session.
    """
    if not paths:
        return None
    selected: set[Path] = set()
    whole_repo = {repo.locations_path, repo.billing_items_path, repo.root / "pyproject.toml"}
    templates = repo.root / TEMPLATES_DIR
    for given in paths:
        path = given.resolve()
        if not path.exists():
            raise UsageError(f"no such file or folder: {given}")
        if path in whole_repo or path.is_relative_to(templates) or path == repo.root:
            return None
        if path.is_dir():
            selected.update(f for f in repo.files if f.is_relative_to(path))
            selected.update(_stray_under(repo, path))
        else:
            selected.add(path)
    return selected


def _stray_under(repo: Repository, folder: Path) -> Iterable[Path]:
    return (d.path for d in repo.diagnostics if d.code == R.STRAY_FILE.code and d.path.is_relative_to(folder))


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
