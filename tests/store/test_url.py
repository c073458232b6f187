"""Store URLs (SPEC §4): parsed by the database library, and a password is never printed, whatever
the URL's form, in any output, file or error.

The property tests build URLs from hostile passwords (``/``, ``@``, ``+``, ``=``, ``%``, ``?``, ``#``
and more, raw or percent-encoded, in the user info or as ``?password=``, in keyword DSNs and in URLs
that do not parse), hand them over as ``--store``, ``$SESSCONF_STORE`` or in pyproject.toml, and
assert that no piece of four characters of the password reaches the output of ``diff`` (text, json,
markdown), the saved plan or an error message. Connection errors run against 127.0.0.1:1 (nothing
listens there: no server needed); plans against the real PostgreSQL server with a role whose
password is the generated one.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote, unquote_plus

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sessconf.cli.main import cli
from sessconf.errors import StoreError, UsageError
from sessconf.operations.apply import apply_repository
from sessconf.store.url import Source, StoreUrl, resolve, scrub_secrets
from tests.conftest import ACUPINITIAL, MINIMAL_BILLING, MINIMAL_LOCATIONS, pg_admin_url

Run = Callable[..., Result]

# -- parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "display"),
    [
        pytest.param(
            "postgresql://r:Zk8/q+Ab3=@127.0.0.1/db",
            "postgresql://r:***@127.0.0.1/db",
            id="slash-plus-equals",
        ),
        pytest.param("postgresql://u:p%40ss%2F@h:5433/db", "postgresql://u:***@h:5433/db", id="encoded"),
        pytest.param("postgresql://u:p#x?y@h/db", "postgresql://u:***@h/db", id="hash-question"),
        pytest.param(
            "postgresql://u@h/db?application_name=x&password=a+b%20c",
            "postgresql://u@h/db?application_name=x&password=***",
            id="query-password",
        ),
        pytest.param(  # what follows a password parameter may be part of it: hidden too
            "postgresql://u@h/db?password=Pw&sslmode=x1&111=0",
            "postgresql://u@h/db?password=***",
            id="after-query-password",
        ),
        pytest.param("postgresql://u@h/db?sslpassword=k3y", "postgresql://u@h/db?sslpassword=***", id="ssl"),
        pytest.param("postgres://u:pw@h/db", "postgres://u:***@h/db", id="postgres-scheme"),
        pytest.param("postgresql+psycopg://u:pw@h/db", "postgresql+psycopg://u:***@h/db", id="psycopg"),
        pytest.param(
            "postgresql:///db?host=/run/postgresql", "postgresql:///db?host=%2Frun%2Fpostgresql", id="socket"
        ),
        pytest.param("  postgresql://h/db  ", "postgresql://h/db", id="blanks-around"),
        # the user info ends at the last '@' when no other reading is sound
        pytest.param("postgresql://u:S3cr3t@P4ss@h/db", "postgresql://u:***@h/db", id="unencoded-at"),
        pytest.param("postgresql://u@srv:pw@h/db", "postgresql://u%40srv:***@h/db", id="at-in-user"),
    ],
)
def test_postgresql_urls_are_shown_without_their_secrets(text: str, display: str) -> None:
    url = StoreUrl(text, Source.FLAG)
    assert url.display == display
    assert not url.is_sqlite
    assert url.sqlalchemy_url.drivername == "postgresql+psycopg"


def test_an_unencoded_at_is_part_of_the_password_when_nothing_else_reads() -> None:
    url = StoreUrl("postgresql://u:S3cr3t@P4ss@h/db", Source.FLAG)
    assert (url.sqlalchemy_url.password, url.sqlalchemy_url.host) == ("S3cr3t@P4ss", "h")


def test_the_engine_gets_the_password_as_written_decoded() -> None:
    url = StoreUrl("postgresql://u:p%40ss%2Fw+d@h/db", Source.FLAG)
    assert url.sqlalchemy_url.password == "p@ss/w+d"
    assert url.sqlalchemy_url.host == "h"
    assert "p@ss" not in repr(url)
    assert "p%40ss" not in repr(url)
    assert url.scrub("auth failed for p@ss/w+d, p%40ss%2Fw+d") == "auth failed for ***, ***"


def test_sqlite_paths_resolve_against_their_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SESSCONF_STORE", raising=False)
    repo = tmp_path / "repo"
    assert resolve("sqlite:///a.db", None, repo).sqlite_path == tmp_path / "a.db"
    assert resolve(None, "sqlite:///b.db", repo).sqlite_path == repo / "b.db"
    assert resolve(None, None, repo).sqlite_path == repo / "sessconf.db"
    assert resolve(None, None, repo).display == f"sqlite:///{repo / 'sessconf.db'}"
    monkeypatch.setenv("SESSCONF_STORE", "sqlite:///c.db")
    assert resolve(None, "sqlite:///b.db", repo).sqlite_path == tmp_path / "c.db"
    assert resolve("sqlite:////abs/d.db", "sqlite:///b.db", repo).sqlite_path == Path("/abs/d.db")


def test_a_default_store_path_with_url_characters_is_kept_whole(tmp_path: Path) -> None:
    repo = tmp_path / "a b?c#d%20@e"
    assert resolve(None, None, repo).sqlite_path == repo.resolve() / "sessconf.db"


BAD = [
    pytest.param("", "is empty", id="empty"),
    pytest.param("host=h port=5432 password=S3cr3tPw", "is not a URL", id="keyword-dsn"),
    pytest.param("S3cr3tPw", "does not parse", id="no-scheme"),
    pytest.param("postgresql://us/er:S3cr3tPw@h/db", "more than one way", id="slash-in-user"),
    pytest.param("postgresql://h:1/db?password=S3cr3t@Pw", "more than one way", id="at-in-query-password"),
    pytest.param("postgresql://u@h:1/db?password=S3cr3t@P4ss", "more than one way", id="two-readings"),
    pytest.param("postgresql://u:S3cr3t@h/db?application_name=P4ss@x", "more than one way", id="at-in-query"),
    pytest.param("sqlite:///tmp/S3cr3t@P4ss.db", "more than one way", id="sqlite-at"),
    pytest.param("postgresql://u:100?@h:x/db", "does not end a user name and password", id="port-x-at"),
    pytest.param("postgresql://h/db?application_name=S3cr3t@P4ss", "more than one way", id="at-in-parameter"),
    pytest.param("postgresql://u:S3cr3tPw@h:x/db", "port is not a number", id="port-x"),
    pytest.param(
        "postgresql+psycopg2://u:S3cr3tPw@h/db",
        "sessconf reaches PostgreSQL through psycopg 3",
        id="psycopg2",
    ),
    pytest.param("POSTGRESQL://u:S3cr3tPw@h/db", "write it in lower case", id="upper-case-scheme"),
    pytest.param("mysql://u:S3cr3tPw@h/db", "unsupported database 'mysql'", id="mysql"),
    pytest.param("post gres://u:S3cr3tPw@h/db", "does not parse", id="space-in-scheme"),
    pytest.param("sqlite://", "must name a SQLite file", id="sqlite-memory"),
    pytest.param("sqlite:///:memory:", "must name a SQLite file", id="sqlite-memory-name"),
    pytest.param("sqlite://u:S3cr3tPw@h/x.db", "with a user, password or host", id="sqlite-userinfo"),
    pytest.param("sqlite:///x.db?mode=ro", "with parameters", id="sqlite-query"),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
@pytest.mark.parametrize(
    ("source", "kind"),
    [(Source.FLAG, UsageError), (Source.ENV, StoreError), (Source.SETTINGS, StoreError)],
)
def test_bad_urls_are_refused_naming_their_source_never_their_text(
    text: str, expected: str, source: Source, kind: type[Exception]
) -> None:
    url = StoreUrl(text, source)  # parsed on first use
    with pytest.raises(kind) as caught:
        url.check()
    assert type(caught.value) is kind  # a bad flag value is a usage error (2); elsewhere a store error (1)
    message = str(caught.value) + (getattr(caught.value, "hint", None) or "")
    assert expected in message
    assert f"from {source.where}" in message
    assert "S3cr3t" not in message
    assert "P4ss" not in message


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_urls_from_every_source_exit_cleanly(
    run: Run, write_repo: Callable[..., Path], text: str, expected: str
) -> None:
    quoted = json.dumps(text)
    repo = write_repo(pyproject=f"[tool.sessconf]\nstore = {quoted}\n")
    for args, env, status in [
        (("--store", text), {}, 2),
        ((), {"SESSCONF_STORE": text}, 1),
        ((), {}, 1),
    ]:
        if not text and env:  # an empty $SESSCONF_STORE is unset (the settings' empty one is read)
            continue
        result = run("diff", "--dir", repo, *args, env=env)
        assert result.exit_code == status, result.output
        assert expected in result.output
        assert "Traceback" not in result.output
        assert "S3cr3t" not in result.output
    result = run("diff", "--dir", repo, "--store", text, "--detailed-exitcode")
    assert result.exit_code == 1, result.output  # there usage errors exit 1


def test_lint_never_imports_the_database_library(write_repo: Callable[..., Path]) -> None:
    repo = write_repo(pyproject='[tool.sessconf]\nstore = "postgresql://u:pw@h/db"\n')
    code = (
        "import sys; from sessconf.cli.main import cli, run; "
        f"status = run(cli, ['lint', '--dir', {str(repo)!r}], 'sessconf'); "
        "print(status, 'sqlalchemy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split()[-2:] == ["0", "False"], done.stdout + done.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the store is read in a forked child on Linux only")
def test_diff_parses_the_url_and_imports_the_database_library_in_its_reading_child_only(
    write_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = write_repo()
    url = f"sqlite:///{tmp_path / 'store.db'}"
    code = (
        "import sys; from sessconf.cli.main import cli, run; "
        f"status = run(cli, ['diff', '--dir', {str(repo)!r}, '--store', {url!r}], 'sessconf'); "
        "print(status, 'sqlalchemy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert f"Store: {url}" in done.stdout
    assert done.stdout.split()[-2:] == ["0", "False"], done.stdout + done.stderr


def test_an_unexpected_error_is_scrubbed_of_every_store_secret() -> None:
    StoreUrl("postgresql://u:Xq9%2Fz@h/db", Source.FLAG)
    assert scrub_secrets("Traceback: ... Xq9/z ... Xq9%2Fz") == "Traceback: ... *** ... ***"


# -- hostile passwords, every form, every source ----------------------------------------------------

ROLE_USER = "sessconf_pw"
HOSTILE = "/@+=%:?#&;!$'(),[]~" + "é€ß" + "AbcXyz0189"
passwords = st.text(alphabet=HOSTILE, min_size=4, max_size=16)
FORMS = (
    "userinfo",
    "encoded",
    "at-encoded",
    "query",
    "query-raw",
    "sslpassword",
    "dsn",
    "psycopg2",
    "upper",
    "port-x",
)
SOURCES = ("flag", "env", "settings")
FORMATS = ("text", "json", "markdown")
REACHABLE_FORMS = ("encoded", "at-encoded", "query", "sslpassword", "userinfo")


def store_text(form: str, password: str, user: str, hostport: str, tail: str) -> str:
    """A store URL (or not quite one) holding ``password`` in the way ``form`` says."""
    sep = "&" if "?" in tail else "?"
    if form == "userinfo":
        return f"postgresql://{user}:{password}@{hostport}{tail}"
    if form == "encoded":
        return f"postgresql://{user}:{quote(password, safe='')}@{hostport}{tail}"
    if form == "at-encoded":  # only what must be: '%' and '@'
        return f"postgresql://{user}:{password.replace('%', '%25').replace('@', '%40')}@{hostport}{tail}"
    if form == "query":
        return f"postgresql://{user}@{hostport}{tail}{sep}password={quote_plus(password)}"
    if form == "query-raw":
        return f"postgresql://{user}@{hostport}{tail}{sep}password={password}"
    if form == "sslpassword":
        return f"postgresql://{user}:{quote(password, safe='')}@{hostport}{tail}{sep}sslpassword={password}"
    if form == "dsn":
        host, _, port = hostport.partition(":")
        return f"host={host} port={port} user={user} password={password} dbname=db"
    if form == "psycopg2":
        return f"postgresql+psycopg2://{user}:{quote(password, safe='')}@{hostport}{tail}"
    if form == "upper":
        return f"POSTGRESQL://{user}:{quote(password, safe='')}@{hostport}{tail}"
    if form == "port-x":
        return f"postgresql://{user}:{password}@{hostport.split(':')[0]}:x{tail}"
    raise AssertionError(form)


def pieces(password: str) -> set[str]:
    """Every piece of four characters of the password, as generated and percent-decoded."""
    out: set[str] = set()
    for form in {password, unquote(password), unquote_plus(password)}:
        out.update(form[i : i + 4] for i in range(len(form) - 3))
    return out


@functools.cache
def every_refusal() -> str:
    """The words of every refusal (sentence and hint) that the forms below can meet."""
    out = []
    for text in [
        *(param.values[0] for param in BAD),
        *(store_text(f, NEUTRAL, "u", "h:1", "/db") for f in FORMS),
    ]:
        try:
            StoreUrl(str(text), Source.FLAG).check()
        except UsageError as exc:
            out.append(f"{exc.message} {exc.hint}")
    return " ".join(out)


@settings(max_examples=2000, deadline=None)
@given(
    password=passwords,
    form=st.sampled_from(FORMS),
    user=st.sampled_from(["u", "sessconf", "u@srv"]),
    port=st.sampled_from(["1", "5432"]),
)
def test_no_piece_of_a_password_reaches_the_display_or_a_refusal(
    password: str, form: str, user: str, port: str
) -> None:
    """The parser alone, many more examples: the display, or the refusal's sentence and hint."""
    text = store_text(form, password, user, f"127.0.0.1:{port}", "/db")
    url = StoreUrl(text, Source.FLAG)
    try:
        shown = url.display
    except UsageError as exc:
        shown = f"{exc.message} {exc.hint}"
    known = f"{user} 127.0.0.1:{port} /db postgresql://{user}:***@ {every_refusal()}"
    secret = {piece for piece in pieces(password) if piece not in known}
    leaked = sorted(piece for piece in secret if piece in shown)
    assert not leaked, f"{leaked} of the password in: {shown}"


@dataclass
class Outcome:
    status: int
    text: str  # everything printed, and the saved plan if one was written


def run_diff(run: Run, repo: Path, text: str, source: str, fmt: str, out: Path) -> Outcome:
    pyproject = repo / "pyproject.toml"
    args: list[str | Path] = ["diff", "--dir", repo, "--format", fmt, "--out", out]
    env: dict[str, str] = {}
    if source == "flag":
        args += ["--store", text]
    elif source == "env":
        env["SESSCONF_STORE"] = text
    else:
        pyproject.write_text(f"[tool.sessconf]\nstore = {json.dumps(text)}\n", encoding="utf-8")
    out.unlink(missing_ok=True)
    try:
        result = run(*args, env=env)
    finally:
        pyproject.unlink(missing_ok=True)
    saved = out.read_text(encoding="utf-8") if out.exists() else ""
    return Outcome(result.exit_code, result.output + saved)


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """The ``run`` fixture's call, for module-scoped fixtures."""
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def small_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("url") / "repo"
    (root / "sessions").mkdir(parents=True)
    (root / "locations.yaml").write_text(MINIMAL_LOCATIONS)
    (root / "billing_items.yaml").write_text(MINIMAL_BILLING)
    (root / "sessions" / "acupinitial.yaml").write_text(ACUPINITIAL)
    return root


# What every outcome below may print besides the password: the baseline outcomes with a password
# that shares nothing with the generated ones. A generated password whose pieces occur there (a
# piece such as "0.0." or "Xyz" of a message) could not tell a leak from legitimate text.
NEUTRAL = "QQQQQQ"


def known_text(
    run: Run, repo: Path, out: Path, user: str, hostport: str, tail: str, forms: tuple[str, ...]
) -> str:
    texts = [user, hostport, tail]
    for form in forms:
        for source in SOURCES:
            texts.append(
                run_diff(run, repo, store_text(form, NEUTRAL, user, hostport, tail), source, "text", out).text
            )
    for fmt in FORMATS:
        texts.append(
            run_diff(run, repo, store_text("encoded", NEUTRAL, user, hostport, tail), "flag", fmt, out).text
        )
    return "\n".join(texts).replace(NEUTRAL, "")


@pytest.fixture(scope="module")
def unreachable_known(small_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("known") / "plan.json"
    return known_text(invoke, small_repo, out, "u", "127.0.0.1:1", "/db", FORMS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    password=passwords,
    form=st.sampled_from(FORMS),
    source=st.sampled_from(SOURCES),
    fmt=st.sampled_from(FORMATS),
)
def test_no_piece_of_a_password_reaches_a_connection_error(
    run: Run,
    small_repo: Path,
    unreachable_known: str,
    tmp_path_factory: pytest.TempPathFactory,
    password: str,
    form: str,
    source: str,
    fmt: str,
) -> None:
    secret = pieces(password)
    assume(not any(piece in unreachable_known for piece in secret))
    out = tmp_path_factory.getbasetemp() / "unreachable-plan.json"
    done = run_diff(run, small_repo, store_text(form, password, "u", "127.0.0.1:1", "/db"), source, fmt, out)
    assert done.status in (1, 2), done.text
    assert "Traceback" not in done.text
    assert "unexpected error" not in done.text
    leaked = sorted(piece for piece in secret if piece in done.text)
    assert not leaked, f"{leaked} of the password in:\n{done.text}"


# -- plans against a real server, the role's password being the generated one --------------------


@dataclass
class PgRole:
    name: str
    admin: str
    hostport: str
    tail: str  # /dbname?options=-csearch_path%3D<schema>

    def set_password(self, password: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(self.name), sql.Literal(password))
            )


@pytest.fixture(scope="module")
def pg_role(small_repo: Path) -> Iterator[PgRole]:
    """A store (the small repository applied, in a schema of its own) and a role that may read it."""
    admin = pg_admin_url()
    if admin is None:
        pytest.skip("SESSCONF_TEST_PG_URL is not set: PostgreSQL store tests skipped")
    import psycopg
    from sqlalchemy.engine import make_url

    from sessconf.repository.load import load_repository
    from sessconf.store import HistoryEntry, Store

    schema = f"t_{uuid.uuid4().hex[:12]}"
    role = f"{ROLE_USER}_{uuid.uuid4().hex[:8]}"
    parsed = make_url(admin)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE ROLE {role} LOGIN")
    sep = "&" if "?" in admin else "?"
    store = f"{admin}{sep}options=-csearch_path%3D{schema}"
    try:
        with Store(StoreUrl(store, Source.FLAG)) as opened:
            apply_repository(opened, load_repository(small_repo), history=HistoryEntry("tester", None, None))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
            conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
        hostport = f"{parsed.host or '127.0.0.1'}:{parsed.port or 5432}"
        yield PgRole(role, admin, hostport, f"/{parsed.database}?options=-csearch_path%3D{schema}")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


@pytest.fixture(scope="module")
def reachable_known(pg_role: PgRole, small_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    pg_role.set_password(NEUTRAL)
    out = tmp_path_factory.mktemp("known-pg") / "plan.json"
    return known_text(invoke, small_repo, out, pg_role.name, pg_role.hostport, pg_role.tail, REACHABLE_FORMS)


def test_a_plan_through_a_password_shows_the_store_without_it(
    run: Run, pg_role: PgRole, small_repo: Path, tmp_path: Path
) -> None:
    password = "Zk8/q+Ab3=@x%41"
    pg_role.set_password(password)
    url = store_text("encoded", password, pg_role.name, pg_role.hostport, pg_role.tail)
    for fmt in FORMATS:
        done = run_diff(run, small_repo, url, "flag", fmt, tmp_path / "plan.json")
        assert done.status == 0, done.text
        assert f"postgresql://{pg_role.name}:***@{pg_role.hostport}/" in done.text
        assert not [piece for piece in pieces(password) if piece in done.text]
    saved = json.loads((tmp_path / "plan.json").read_text())
    assert saved["store"].startswith(f"postgresql://{pg_role.name}:***@")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    password=passwords,
    form=st.sampled_from(REACHABLE_FORMS),
    source=st.sampled_from(SOURCES),
    fmt=st.sampled_from(FORMATS),
)
def test_no_piece_of_a_password_reaches_a_plan_or_the_saved_plan(
    run: Run,
    pg_role: PgRole,
    small_repo: Path,
    reachable_known: str,
    tmp_path_factory: pytest.TempPathFactory,
    password: str,
    form: str,
    source: str,
    fmt: str,
) -> None:
    secret = pieces(password)
    assume(not any(piece in reachable_known for piece in secret))
    pg_role.set_password(password)
    url = store_text(form, password, pg_role.name, pg_role.hostport, pg_role.tail)
    out = tmp_path_factory.getbasetemp() / "reachable-plan.json"
    done = run_diff(run, small_repo, url, source, fmt, out)
    if form in ("encoded", "query"):  # always read as written: the plan is shown
        assert done.status == 0, done.text
        assert pg_role.name in done.text, done.text
    assert done.status in (0, 1, 2), done.text
    assert "Traceback" not in done.text
    assert "unexpected error" not in done.text
    leaked = sorted(piece for piece in secret if piece in done.text)
    assert not leaked, f"{leaked} of the password in:\n{done.text}"


def test_a_piece_of_a_split_password_is_scrubbed_as_the_driver_echoes_it() -> None:
    """``?password=&0000+=0`` is split by the driver into options; libpq names one of them,
    decoded and trimmed (found by the property above)."""
    url = StoreUrl("postgresql://u@127.0.0.1:1/db?password=&0000+=0", Source.FLAG)
    assert url.scrub('invalid connection option "0000"') == 'invalid connection option "***"'
