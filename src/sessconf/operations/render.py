"""What ``sessconf render`` checks before it renders: the repository problems that would make its
text wrong or its choice of sessions incomplete (SPEC §3: a malformed file is a diagnostic).

Rendering reads the settings (locale, clinic name), the catalogues (location names, addresses,
time zones) and the session files; a file among them that failed to load would otherwise be
passed over in silence (the defaults standing in for unreadable settings, a broken session left
out of ``--all``).
"""

from __future__ import annotations

from sessconf.diagnostics import Diagnostic, Severity, sort_diagnostics
from sessconf.repository.model import Repository


def render_problems(repo: Repository, name: str | None) -> list[Diagnostic]:
    """The loader's errors in what rendering ``name`` (None: every bookable session) reads: the
    settings, the catalogues and presets, the templates, and the session files rendered (``name``'s
    alone, or all of them)."""
    sessions = repo.sessions_dir
    target = None if name is None else sessions / f"{name}.yaml"
    found = []
    for diagnostic in repo.diagnostics:
        if diagnostic.severity is not Severity.ERROR:
            continue
        in_sessions = diagnostic.path == sessions or diagnostic.path.is_relative_to(sessions)
        if in_sessions and target is not None and diagnostic.path != target:
            continue  # another session's file: rendering this one does not read it
        found.append(diagnostic)
    return sort_diagnostics(found)
