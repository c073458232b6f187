"""Which store to use (SPEC §4), and how to show its URL without a password."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sessconf.errors import UsageError

ENV_VAR = "SESSCONF_STORE"
DEFAULT_FILE = "sessconf.db"


@dataclass(frozen=True, slots=True)
class StoreUrl:
    """A resolved store URL: ``sqlite:///abs/path`` or ``postgresql://...``."""

    url: str
    source: str  # "--store", "SESSCONF_STORE", "pyproject.toml" or "default"

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///").split("?", 1)[0])

    @property
    def display(self) -> str:
        return redact(self.url)

    @property
    def password(self) -> str | None:
        return _password(self.url)

    def scrub(self, text: str) -> str:
        """``text`` with the URL's password (raw and percent-decoded) replaced by ``***``."""
        secret = _password(self.url)
        if secret:
            for form in {secret, unquote(secret)}:
                if form:
                    text = text.replace(form, "***")
        return text


def resolve(flag: str | None, configured: str | None, root: Path) -> StoreUrl:
    """``--store`` > ``$SESSCONF_STORE`` > ``[tool.sessconf].store`` > ``sqlite:///<dir>/sessconf.db``.

    A relative SQLite path from the settings resolves against the repository; one from the flag or
    the environment against the working directory.
    """
    env = os.environ.get(ENV_VAR) or None
    if flag:
        return StoreUrl(_normalize(flag, Path.cwd(), "--store"), "--store")
    if env:
        return StoreUrl(_normalize(env, Path.cwd(), ENV_VAR), ENV_VAR)
    if configured:
        return StoreUrl(_normalize(configured, root, "[tool.sessconf].store"), "pyproject.toml")
    return StoreUrl(f"sqlite:///{(root / DEFAULT_FILE).resolve()}", "default")


def _normalize(url: str, base: Path, where: str) -> str:
    url = url.strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "sqlite":
        if not url.startswith("sqlite:///"):
            raise UsageError(
                f"invalid SQLite store URL in {where}: {redact(url)}", "write sqlite:///path/to/file.db"
            )
        rest = url.removeprefix("sqlite:///")
        path_text, _, query = rest.partition("?")
        if not path_text or path_text == ":memory:":
            raise UsageError(f"the store in {where} must be a file", "write sqlite:///path/to/file.db")
        path = Path(path_text)
        if not path.is_absolute():
            path = base / path
        return f"sqlite:///{path.resolve()}" + (f"?{query}" if query else "")
    if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
        return url
    raise UsageError(
        f"unsupported store URL in {where}: {redact(url)}",
        "use sqlite:///path/to/file.db or postgresql://user@host/db",
    )


_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:@/]*):(?P<password>[^@/]*)@")


def redact(url: str) -> str:
    """The URL with any password shown as ``***``."""
    redacted = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", url)
    # passwords may also travel as a query parameter (postgresql://host/db?password=...)
    return re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", redacted)


def _password(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.password:
        return parts.password
    match = re.search(r"(?i)[?&]password=([^&]*)", url)
    return match.group(1) if match else None
