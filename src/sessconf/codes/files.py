"""Codes of files and YAML: what reading the repository reports.

None of them can be re-graded: a file that cannot be read leaves no model to check.
"""

from __future__ import annotations

from sessconf.codes import declare

NOT_UTF8 = declare(
    "SC001",
    "not-utf8",
    """The file is not UTF-8 text.

    sessconf reads every file as UTF-8 (a byte-order mark is accepted). The diagnostic points at
    the first byte that cannot be decoded; re-save the file as UTF-8.
    """,
)

FILE_TOO_LARGE = declare(
    "SC002",
    "file-too-large",
    """The file is larger than allowed.

    A session file and ``pyproject.toml`` may hold at most 1 MiB; catalogues (``locations.yaml``,
    ``billing_items.yaml``) at most ``max_file_size`` bytes (default 64 MiB). Anything larger is
    almost certainly a mistake (a pasted binary, a generated file) and is not read.
    """,
)

YAML_SYNTAX = declare(
    "SC003",
    "yaml-syntax",
    """The file is not valid YAML, or uses YAML features sessconf does not accept.

    Reported at the position the parser stopped: unclosed quotes and brackets, bad indentation,
    tab characters used for indentation, keys that are lists or mappings, merge keys (``<<``) and
    explicit tags (``!!set``, ``!custom``).
    """,
)

DUPLICATE_KEY = declare(
    "SC004",
    "duplicate-key",
    """The same key appears twice in one mapping.

    YAML parsers silently keep the last value; sessconf refuses, because one of the two values
    would be lost without anyone noticing. Remove or rename one of them.
    """,
)

NOT_A_MAPPING = declare(
    "SC005",
    "not-a-mapping",
    """The file is empty or does not hold a mapping.

    A session file is a mapping of fields; a catalogue is a mapping of ids to entries (an empty
    catalogue is written ``{}``).
    """,
)

MULTIPLE_DOCUMENTS = declare(
    "SC006",
    "multiple-documents",
    """The file holds more than one YAML document (a second ``---``).

    Each file holds exactly one document: one session per file, one catalogue per file.
    """,
)

TOO_COMPLEX = declare(
    "SC007",
    "document-too-complex",
    """Anchors and aliases expand the document enormously, refer to themselves, or it nests too deep.

    Aliases are accepted, but a document whose aliases multiply it (the "billion laughs" attack),
    an alias inside the node it refers to, or nesting deeper than 100 levels is refused quickly
    instead of exhausting memory.
    """,
)

YAML11_VALUE = declare(
    "SC008",
    "yaml11-number",
    """A plain value that YAML 1.1 reads as a different number than it looks.

    PyYAML follows YAML 1.1: ``duration: 1:30`` is the base-60 number 90 and ``0755`` is the octal
    number 493. sessconf refuses both rather than use a value nobody wrote; write the number of
    minutes, or quote the value if it is text.
    """,
)

UNQUOTED_HASH = declare(
    "SC009",
    "unquoted-hash",
    """An unquoted ``#`` turned a value into a comment.

    ``color: #0f766e`` is the key ``color`` with an empty value followed by the comment
    ``#0f766e``. Quote the value: ``color: "#0f766e"``.
    """,
)

MISSING_FILE = declare(
    "SC010",
    "missing-file",
    """A required file or folder of the repository is missing.

    The repository is authoritative: whatever it does not name is deleted from the store. So a
    missing ``sessions/`` folder, ``locations.yaml`` or ``billing_items.yaml`` is an error, never an
    empty catalogue (write ``{}`` for an empty one).
    """,
)

STRAY_FILE = declare(
    "SC011",
    "stray-file",
    """A file or folder under ``sessions/`` that is not a ``*.yaml`` session file.

    Every non-hidden entry of ``sessions/`` must be a session file named ``NAME.yaml``: a ``.yml``
    file, a subfolder or any other file would otherwise be silently skipped, and the sessions it
    was meant to hold would be deleted from the store.
    """,
)

INVALID_SETTINGS = declare(
    "SC012",
    "invalid-settings",
    """The ``[tool.sessconf]`` settings in ``pyproject.toml`` are invalid.

    Unknown settings, values of the wrong type or out of range, unknown rule codes in ``rules``,
    and re-grading a rule that cannot be changed are all reported here.
    """,
)

UNREADABLE_FILE = declare(
    "SC013",
    "unreadable-file",
    """A file of the repository that cannot be read: it is not a regular file, or reading it fails.

    A FIFO, a device, a socket or a folder where a file belongs, a link that loops or leads
    nowhere, a file (or the ``sessions/`` folder) without read permission, an I/O error. sessconf
    never waits on such a file and never reads more of one than its size limit: it reports it, and
    what the file would have held is missing (cross-references into an unreadable catalogue are
    not checked).
    """,
)
