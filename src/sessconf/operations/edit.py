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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sessconf.codes.files import (
    DUPLICATE_KEY,
    FILE_TOO_LARGE,
    MISSING_FILE,
    MULTIPLE_DOCUMENTS,
    NOT_A_MAPPING,
    NOT_UTF8,
    TOO_COMPLEX,
    UNREADABLE_FILE,
    YAML_SYNTAX,
)
from sessconf.diagnostics import Diagnostic, Severity, did_you_mean, sort_diagnostics
from sessconf.errors import RefusedError, SessconfError, UsageError
from sessconf.filekinds import kind_of
from sessconf.model import name_problem
from sessconf.repository.layout import BILLING_FILE, LOCATIONS_FILE, SESSIONS_DIR, TEMPLATES_DIR
from sessconf.yaml.positions import SourceMap
from sessconf.yaml.read import parse_yaml

if TYPE_CHECKING:
    from sessconf.lint.engine import LintResult
    from sessconf.plan.state import SessionState

_BOM = b"\xef\xbb\xbf"
_PERMISSION_HINT = "check the permissions of the file and its folder for the user that runs sessconf"
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


# Problems of another file after which a new session cannot be checked against it.
_UNCHECKED = _UNREADABLE | {r.code for r in (MISSING_FILE, UNREADABLE_FILE, FILE_TOO_LARGE)}


# -- writing files -----------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes, *, exclusive: bool = False, sync: bool = True) -> None:
    """Replace ``path`` with ``data`` all at once, keeping the file's permissions.

    With ``exclusive``, an existing file is refused (also one created meanwhile). ``sync`` makes
    the new content durable before it replaces the old (skipped when exporting thousands of files).
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        mode: int | None = None
    except OSError as exc:
        raise SessconfError(f"cannot write {path}: {exc.strerror or exc}") from None
    else:
        if not stat.S_ISREG(info.st_mode):  # replacing /dev/full or a FIFO would remove it (as root)
            raise SessconfError(f"cannot write {path}: it is {kind_of(info.st_mode)}, not a regular file")
        mode = stat.S_IMODE(info.st_mode)
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


# Files of the config repository that an output file (a saved plan, schemas) must never replace,
# and folders it must never write into (the loader reads every file there).
_REPOSITORY_FILES = (LOCATIONS_FILE, BILLING_FILE, "presets.yaml", "pyproject.toml")
_REPOSITORY_FOLDERS = (SESSIONS_DIR, TEMPLATES_DIR)


def check_output_file(out: Path, root: Path, option: str = "--out") -> None:
    """Refuse an output path that would lose data or cannot be written: empty, a folder, a device
    or FIFO, a missing folder, or a file of the config repository at ``root`` (a session, a
    catalogue, the settings, a template). Raises :class:`UsageError` (a bad flag value)."""
    if not str(out) or str(out) == "." or not out.name:
        raise UsageError(f"{option}: give the path of a file")
    try:
        folder = out.parent.resolve()
        target = folder / out.name
        if not folder.is_dir():
            raise UsageError(f"{option}: the folder {out.parent} does not exist")
        info = os.stat(out) if os.path.lexists(out) else None
    except (OSError, RuntimeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "a loop of links"
        raise UsageError(f"{option}: cannot use {out}: {reason}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{option}: {out} is {kind_of(info.st_mode)}, not a regular file")
    repo = root.resolve()
    for candidate in {target, target.resolve()}:
        inside = _repository_part(candidate, repo)
        if inside is not None:
            raise UsageError(
                f"{option}: {out} is {inside}: writing there would replace or add to the configuration",
                "write it outside sessions/ and templates/, under a name of its own (such as plan.json)",
            )


def _repository_part(path: Path, repo: Path) -> str | None:
    if path.parent == repo and path.name in _REPOSITORY_FILES:
        return f"the config repository's {path.name}"
    for folder in _REPOSITORY_FOLDERS:
        if path.is_relative_to(repo / folder):
            return f"inside the config repository's {folder}/ folder"
    return None


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
    try:
        found = path.is_file()
    except OSError as exc:  # a folder that cannot be searched (chmod 000): is_file raises EACCES
        raise SessconfError(f"cannot read {path}: {exc.strerror or exc}", _PERMISSION_HINT) from None
    if not found:
        try:
            known = [p.name[:-5] for p in folder.glob("*.yaml")] if folder.is_dir() else []
        except OSError:
            known = []
        raise SessconfError(
            f"no session '{name}': {path} does not exist",
            did_you_mean(name, known) or (None if folder.is_dir() else "is --dir the config repository?"),
        )
    return path


def set_archived(root: Path, name: str, archived: bool) -> Edit:
    """Set (``archived=True``) or clear the ``archived`` key of a session file, changing nothing else.

    Clearing writes ``archived: false`` where the key is present, or where the session inherits
    ``archived: true`` from its presets; a session that is already as asked is left alone
    (``changed`` is false). Presets are never edited: the session's own key overrides them.
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
    current = data["archived"] if present else _inherited_archived(root, data.get("extends"))
    if current is archived:
        return Edit(path, changed=False)

    bom = raw.startswith(_BOM)
    text = raw[len(_BOM) :].decode("utf-8") if bom else raw.decode("utf-8")
    lines = [(m.group(1), m.group(2)) for m in _LINE.finditer(text)]
    if lines and lines[-1] == ("", ""):
        lines.pop()  # the empty match after the last line break
    if present:
        _replace_value(lines, doc.source_map, data.get("archived"), archived, path)
    else:
        _append(lines, doc.source_map, data, path, archived)

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


def _inherited_archived(root: Path, extends: object) -> bool:
    """Whether a session that does not write ``archived`` is archived: by its presets, if any."""
    if not isinstance(extends, str):
        return False
    from sessconf.repository.presets import load_presets
    from sessconf.repository.pyproject import load_settings

    presets = load_presets(root.resolve(), load_settings(root.resolve())[0].max_file_size)
    preset = presets.by_name.get(extends) if presets is not None else None
    return preset is not None and preset.values.get("archived") is True


def _append(
    lines: list[tuple[str, str]], smap: SourceMap, data: dict[str, object], path: Path, archived: bool
) -> None:
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
    lines.insert(at, (" " * (key_column - 1) + f"archived: {'true' if archived else 'false'}", newline))


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
    from sessconf.operations.documents import session_document

    return _create(root, session.name, lambda: session_document(session).encode("utf-8"))


def create_extending_session(root: Path, name: str, preset: str, fields: dict[str, object]) -> NewSession:
    """Write ``sessions/NAME.yaml`` extending ``preset`` with ``fields`` (session fields, plain
    values), unless lint would reject it (see :func:`create_session`)."""
    from sessconf.operations.documents import extending_document

    return _create(root, name, lambda: extending_document(name, preset, fields).encode("utf-8"))


def _create(root: Path, name: str, document: Callable[[], bytes]) -> NewSession:
    from sessconf.lint.engine import LintResult, lint
    from sessconf.repository.json_schemas import SESSION_FILE, modeline

    problem = name_problem(name)
    if problem is not None:
        raise SessconfError(problem)
    root = root.resolve()
    folder = root / SESSIONS_DIR
    if not folder.is_dir():
        raise SessconfError(f"{folder} is not a folder", "is --dir the config repository?")
    path = folder / f"{name}.yaml"
    try:
        exists = os.path.lexists(path) or path.exists()
        os.scandir(folder).close()  # a folder that cannot be listed cannot be linted either
    except OSError as exc:
        raise SessconfError(f"cannot read {folder}: {exc.strerror or exc}", _PERMISSION_HINT) from None
    if exists:
        raise RefusedError(
            f"the session '{name}' exists already ({path})", "edit that file, or choose another name"
        )
    data = modeline(SESSION_FILE).encode("utf-8") + document()
    result = lint(root, overlay={path: data})
    own = [d for d in result.diagnostics if d.path == path]
    elsewhere = [d for d in result.diagnostics if d.path != path and d.severity is Severity.ERROR]
    # A catalogue, the presets or the settings that cannot be read leave the new file's references
    # unchecked: it would be written unseen, so those errors refuse it too.
    unchecked = [d for d in elsewhere if d.path.parent != folder and d.code in _UNCHECKED]
    elsewhere = [d for d in elsewhere if d not in unchecked]
    if elsewhere:  # errors the new file causes in other files (not those they had before)
        before = set(lint(root).diagnostics)
        own += [d for d in elsewhere if d not in before]
    own += unchecked
    report = LintResult(result.repository, sort_diagnostics(own), len({path, *(d.path for d in own)}))
    if report.errors:
        return NewSession(path, False, report)
    write_atomic(path, data, exclusive=True)
    return NewSession(path, True, report)
