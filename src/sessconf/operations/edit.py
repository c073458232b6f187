"""Editing the repository's files: ``sessconf new``, ``archive`` and ``unarchive``.

People own these files, so an edit changes only what it must. ``archive`` rewrites the value of
the top-level ``archived:`` line (its comment, quoting, line ending and the file's BOM stay), or
adds ``archived: true`` at the end of the document. Every edit is checked by parsing the result:
unless it reads back as the old document with only ``archived`` changed, nothing is written.
Files are replaced atomically: a reader sees the old file or the new one, never a part.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sessconf.codes.files import (
    DUPLICATE_KEY,
    MULTIPLE_DOCUMENTS,
    NOT_A_MAPPING,
    NOT_UTF8,
    TOO_COMPLEX,
    YAML_SYNTAX,
)
from sessconf.diagnostics import Diagnostic, Severity, did_you_mean, sort_diagnostics
from sessconf.errors import RefusedError, SessconfError
from sessconf.model import name_problem
from sessconf.repository.layout import SESSIONS_DIR
from sessconf.yaml.read import SourceMap, parse_yaml

if TYPE_CHECKING:
    from sessconf.lint.engine import LintResult
    from sessconf.plan.state import SessionState

_BOM = b"\xef\xbb\xbf"
# Line breaks as the YAML parser counts them, so that its line numbers index these lines.
_LINE = re.compile("(.*?)(\r\n|[\r\n\x85\u2028\u2029]|\\Z)", re.DOTALL)
_BOOL_TOKEN = re.compile(
    r"(?:true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)(?=[ \t,}\]]|$)"
)
_EMPTY_VALUE = re.compile(r"(?P<key>archived[ \t]*:)(?P<rest>[ \t]*(?:#.*)?)")
_COMMENT_AFTER = re.compile(r"([ ]+)(#.*)")
_DOCUMENT_END = re.compile(r"\.\.\.(?:[ \t]+#.*)?[ \t]*")
# Problems after which the file's structure is unknown: it is not edited.
_UNREADABLE = frozenset(
    r.code
    for r in (
        NOT_UTF8,
        YAML_SYNTAX,
        DUPLICATE_KEY,
        NOT_A_MAPPING,
        MULTIPLE_DOCUMENTS,
        TOO_COMPLEX,
    )
)


# -- writing files -----------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes, *, exclusive: bool = False, sync: bool = True) -> None:
    """Replace ``path`` with ``data`` all at once, keeping the file's permissions.

    With ``exclusive``, an existing file is refused (also one created meanwhile). ``sync`` makes
    the new content durable before it replaces the old (skipped when exporting thousands of files).
    """
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise SessconfError(f"cannot write {path}: {exc.strerror or exc}") from None
    if exclusive and mode is not None:
        raise RefusedError(f"{path} already exists")
    # Hidden, so that the loader never reads a leftover one as a session.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                if sync:
                    file.flush()
                    os.fsync(file.fileno())
            if mode is not None:
                os.chmod(tmp, mode)  # the umask may have narrowed it
            if exclusive:
                _link_exclusive(tmp, path)
            else:
                os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except FileExistsError:
        raise RefusedError(f"{path} already exists") from None
    except OSError as exc:
        raise SessconfError(f"cannot write {path}: {exc.strerror or exc}") from None


def _link_exclusive(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)  # fails if the file appeared meanwhile
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if path.exists():
            raise FileExistsError(path) from None
        os.replace(tmp, path)
    else:
        os.unlink(tmp)


# -- archive / unarchive -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Edit:
    """The outcome of ``archive`` or ``unarchive``."""

    path: Path
    changed: bool


def session_path(root: Path, name: str) -> Path:
    """``sessions/NAME.yaml`` of an existing session file (a clear error when there is none)."""
    problem = name_problem(name)
    if problem is not None:
        raise SessconfError(problem)
    folder = root / SESSIONS_DIR
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = [p.name[:-5] for p in folder.glob("*.yaml")] if folder.is_dir() else []
        raise SessconfError(
            f"no session '{name}': {path} does not exist",
            did_you_mean(name, known) or (None if folder.is_dir() else "is --dir the config repository?"),
        )
    return path


def set_archived(root: Path, name: str, archived: bool) -> Edit:
    """Set (``archived=True``) or clear the ``archived`` key of a session file, changing nothing else.

    Clearing writes ``archived: false`` where the key is present; a session that is already as
    asked is left alone (``changed`` is false).
    """
    path = session_path(root, name)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SessconfError(f"cannot read {path}: {exc.strerror or exc}") from None
    doc = parse_yaml(path, raw)
    unreadable = [p for p in doc.problems if p.code in _UNREADABLE]
    if unreadable or not isinstance(doc.data, dict):
        first = unreadable[0].message if unreadable else "it does not hold a mapping"
        raise RefusedError(
            f"cannot edit {path}: {first}", "fix the file first (`sessconf lint` shows its problems)"
        )
    data: dict[str, object] = doc.data
    present = "archived" in data
    if data.get("archived", False) is archived or (not archived and not present):
        return Edit(path, changed=False)

    bom = raw.startswith(_BOM)
    text = raw[len(_BOM) :].decode("utf-8") if bom else raw.decode("utf-8")
    lines = [(m.group(1), m.group(2)) for m in _LINE.finditer(text)]
    if lines and lines[-1] == ("", ""):
        lines.pop()  # the empty match after the last line break
    if present:
        _replace_value(lines, doc.source_map, data.get("archived"), archived, path)
    else:
        _append(lines, doc.source_map, data, path)

    new_text = "".join(content + end for content, end in lines)
    new_raw = (_BOM if bom else b"") + new_text.encode("utf-8")
    expected = {**data, "archived": archived}
    check = parse_yaml(path, new_raw)
    if check.data != expected or any(p.code in _UNREADABLE for p in check.problems):
        raise RefusedError(
            f"cannot edit {path} safely: the edited file would not read back as intended; "
            "nothing was changed",
            f"write `archived: {'true' if archived else 'false'}` in it by hand",
        )
    write_atomic(path.resolve(), new_raw)
    return Edit(path, changed=True)


def _replace_value(
    lines: list[tuple[str, str]], smap: SourceMap, old: object, archived: bool, path: Path
) -> None:
    new = "true" if archived else "false"
    line, column = smap.value(("archived",))
    content, end = lines[line - 1]
    start = column - 1
    token = _BOOL_TOKEN.match(content, start)
    if token is not None:
        rest = content[token.end() :]
        comment = _COMMENT_AFTER.fullmatch(rest)
        if comment is not None:  # keep the comment in its column
            rest = " " * max(1, len(comment.group(1)) + len(token.group()) - len(new)) + comment.group(2)
        lines[line - 1] = (content[:start] + new + rest, end)
        return
    key_line, key_column = smap.key(("archived",))
    empty = _EMPTY_VALUE.fullmatch(lines[key_line - 1][0], key_column - 1)
    if old is None and empty is not None:  # `archived:` with nothing after it
        content, end = lines[key_line - 1]
        lines[key_line - 1] = (
            content[: key_column - 1] + empty.group("key") + " " + new + empty.group("rest"),
            end,
        )
        return
    raise RefusedError(
        f"cannot edit {path} safely: 'archived' is not written as a plain true or false (line {line})",
        f"write `archived: {new}` in it by hand",
    )


def _append(lines: list[tuple[str, str]], smap: SourceMap, data: dict[str, object], path: Path) -> None:
    first_key = next(iter(data), None)
    key_line, key_column = smap.key((first_key,)) if first_key is not None else (1, 1)
    if first_key is None or lines[key_line - 1][0][: key_column - 1].strip():
        raise RefusedError(
            f"cannot edit {path} safely: the session is written as a flow mapping ({{...}})",
            "add `archived: true` inside its braces by hand, or write the file in block style",
        )
    newline = next((end for _, end in lines if end), "\n")
    if lines and not lines[-1][1]:
        lines[-1] = (lines[-1][0], newline)  # the file ends with a line break
    at = len(lines)
    for index in range(len(lines) - 1, -1, -1):  # before a final `...` document end marker
        content = lines[index][0].strip()
        if _DOCUMENT_END.fullmatch(content):
            at = index
            break
        if content and not content.startswith("#"):
            break
    lines.insert(at, (" " * (key_column - 1) + "archived: true", newline))


# -- new ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewSession:
    """The outcome of ``new``: the file, whether it was written, and what lint says about it."""

    path: Path
    written: bool
    lint: LintResult

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.lint.diagnostics


def create_session(root: Path, session: SessionState) -> NewSession:
    """Write ``sessions/NAME.yaml`` for ``session``, unless lint would reject it.

    The repository is linted with the new file in memory (nothing on disk changes first). The
    file is refused when it has errors, or when it causes errors elsewhere (a name another session
    keeps as a previous name); its warnings are reported and the file is written.
    """
    from sessconf.lint.engine import LintResult, lint
    from sessconf.operations.documents import session_document
    from sessconf.repository.json_schemas import SESSION_FILE, modeline

    problem = name_problem(session.name)
    if problem is not None:
        raise SessconfError(problem)
    root = root.resolve()
    folder = root / SESSIONS_DIR
    if not folder.is_dir():
        raise SessconfError(f"{folder} is not a folder", "is --dir the config repository?")
    path = folder / f"{session.name}.yaml"
    if path.exists():
        raise RefusedError(
            f"the session '{session.name}' exists already ({path})", "edit that file, or choose another name"
        )
    data = (modeline(SESSION_FILE) + session_document(session)).encode("utf-8")
    result = lint(root, overlay={path: data})
    own = [d for d in result.diagnostics if d.path == path]
    elsewhere = [d for d in result.diagnostics if d.path != path and d.severity is Severity.ERROR]
    if elsewhere:  # errors the new file causes in other files (not those they had before)
        before = set(lint(root).diagnostics)
        own += [d for d in elsewhere if d not in before]
    report = LintResult(result.repository, sort_diagnostics(own), len({path, *(d.path for d in own)}))
    if report.errors:
        return NewSession(path, False, report)
    write_atomic(path, data, exclusive=True)
    return NewSession(path, True, report)
