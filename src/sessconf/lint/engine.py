"""Lint: load the whole repository, run every check, then apply settings and suppressions."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sessconf.codes import Level, all_codes, levels
from sessconf.codes.files import MISSING_FILE, STRAY_FILE
from sessconf.diagnostics import Diagnostic, Severity, sort_diagnostics
from sessconf.errors import UsageError
from sessconf.limits import SESSION_FILE_MAX
from sessconf.lint import suppressions
from sessconf.lint.checks import all_checks
from sessconf.lint.context import LintContext
from sessconf.repository.layout import BILLING_FILE, LOCATIONS_FILE, PRESETS_FILE, SESSIONS_DIR, TEMPLATES_DIR
from sessconf.repository.load import Loading
from sessconf.repository.model import Repository
from sessconf.repository.presets import merge_inherited
from sessconf.repository.pyproject import load_settings

# Problems of the repository's shape are reported whatever files were asked for.
_ALWAYS_REPORTED = {MISSING_FILE.code, STRAY_FILE.code}


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
    cache: bool = False,
) -> LintResult:
    """Lint the repository at ``root``; report the diagnostics of ``paths`` (all files when empty).

    ``overlay``: session files read from memory instead of the disk (see ``repository.load``).
    ``cache``: use and update the repository's cache (SPEC §6; never with an ``overlay``).
    """
    with Loading.start(root, jobs=jobs, overlay=overlay, cache=cache) as loading:
        ctx = LintContext.of(loading.repository)  # settings and catalogues: no session yet
        if loading.in_parallel:  # work that shares the machine with the workers loading sessions
            for check in all_checks():
                if check.prepare is not None and ctx.is_on(check.code.code):
                    check.prepare(ctx)
        loading.finish()
    result = lint_repository(loading.repository, paths, ctx)
    loading.save()
    return result


def lint_buffer(
    root: Path, path: Path, read: Callable[[int], bytes], *, jobs: int | None = None
) -> LintResult:
    """Lint the repository at ``root`` with the file ``path`` holding what ``read(n)`` returns (at
    most ``n`` bytes) instead of what the disk holds (an editor's unsaved buffer: ``lint
    --stdin-filename``); report ``path``'s diagnostics, its cross-references checked against the
    rest of the repository. More than the file's size limit is a usage error.

    ``path`` is a session file (``sessions/NAME.yaml``, which need not exist yet), a catalogue or
    ``presets.yaml``.
    """
    root = root.resolve()
    target = _absolute(path)
    catalogues = {root / LOCATIONS_FILE, root / BILLING_FILE, root / PRESETS_FILE}
    if target not in catalogues and not (target.parent == root / SESSIONS_DIR and target.suffix == ".yaml"):
        raise UsageError(
            f"--stdin-filename {path}: not a session file or a catalogue of the repository {root}",
            "name sessions/NAME.yaml, locations.yaml, billing_items.yaml or presets.yaml of the "
            "repository (--dir)",
        )
    if target in catalogues:
        limit, what = load_settings(root)[0].max_file_size, "max_file_size"
    else:
        limit, what = SESSION_FILE_MAX, "the largest session file"
    raw = read(limit + 1)
    if len(raw) > limit:
        raise UsageError(f"standard input holds more than {limit} bytes ({what})")
    result = lint(root, (), jobs=jobs, overlay={target: raw})
    mine = [d for d in result.diagnostics if d.path == target or d.code in _ALWAYS_REPORTED]
    return LintResult(result.repository, mine, 1)


def lint_repository(
    repo: Repository, paths: Sequence[Path] = (), ctx: LintContext | None = None
) -> LintResult:
    """Lint a loaded repository (``ctx``: the context its checks prepared in while it loaded)."""
    ctx = ctx or LintContext.of(repo)
    found = list(repo.diagnostics)
    for check in all_checks():
        if ctx.is_on(check.code.code):  # what the settings turn off costs nothing: it does not run
            found.extend(check.run(ctx))
    if repo.presets is not None:  # a problem in an inherited value once, naming its sessions
        found = merge_inherited(found)
    marks = suppressions.by_file(repo.comments)
    found.extend(suppressions.useless(marks))
    found = list(_apply_settings(found, repo, marks))
    selected = select_files(repo, paths)
    if selected is not None:
        found = [d for d in found if _selected(d, selected, repo)]
    files = repo.file_count if selected is None else len(selected)
    return LintResult(repo, sort_diagnostics(found), files)


def _selected(d: Diagnostic, selected: set[Path], repo: Repository) -> bool:
    """A diagnostic of a selected file; or in a preset value that a selected session inherits."""
    if d.path in selected or d.code in _ALWAYS_REPORTED:
        return True
    sessions = repo.sessions_dir
    return any(sessions / f"{name}.yaml" in selected for name in d.inherited_by)


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
    whole_repo = {repo.locations_path, repo.billing_items_path, root / "pyproject.toml", repo.presets_path}
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
                "sessconf lints pyproject.toml, locations.yaml, billing_items.yaml, presets.yaml, "
                "sessions/*.yaml and templates/",
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


def _apply_settings(
    found: Iterable[Diagnostic], repo: Repository, marks: Mapping[Path, suppressions.Suppressions]
) -> Iterable[Diagnostic]:
    codes = {c.code: c for c in all_codes()}
    overrides = levels(repo.settings.rules)
    for diagnostic in found:
        code = codes.get(diagnostic.code)
        if code is None or not code.changeable:
            yield diagnostic
            continue
        level = overrides.get(code.code)
        if level is Level.OFF or suppressions.silenced(diagnostic, marks, code.name):
            continue
        yield diagnostic if level is None else diagnostic.with_severity(Severity(level.value))


__all__ = ["LintResult", "lint", "lint_buffer", "lint_repository", "select_files"]
