"""The ten example queries of docs/analysts.md, as written there, run as a reader login on the
published demo marts: each returns rows, and the login reads nothing but marts and reference.

The queries live only in the doc (fenced ```sql blocks opening with `-- query: NAME`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from orchestration import access, passwords
from orchestration.assets.publish import publish_marts
from orchestration.settings import REPO_ROOT
from orchestration.warehouse import make_engine, make_url, parse_url

ANALYSTS_DOC = REPO_ROOT / "docs" / "analysts.md"
QUERY = re.compile(r"```sql\n-- query: (\w+)\n(.*?)```", re.DOTALL)
CLOSED_SCHEMAS = ("raw", "staging", "intermediate", "marts_build", "audit")


def doc_queries() -> dict[str, str]:
    text = ANALYSTS_DOC.read_text(encoding="utf-8")
    found = QUERY.findall(text)
    queries = dict(found)
    assert len(queries) == len(found), "two queries of docs/analysts.md share a name"
    return queries


def test_the_doc_holds_ten_named_queries() -> None:
    queries = doc_queries()
    assert len(queries) == 10, sorted(queries)
    # every fenced sql block is a named query: none escapes the test
    assert ANALYSTS_DOC.read_text(encoding="utf-8").count("```sql") == 10
    for name, sql in queries.items():
        assert sql.strip().endswith(";"), name
        assert re.search(r"\b(marts|reference)\.", sql), name
        assert not re.search(r"\b(raw|staging|intermediate|marts_build)\.", sql), name


def test_the_queries_follow_the_projects_sql_style() -> None:
    from sqlfluff.core import FluffConfig, Linter

    linter = Linter(config=FluffConfig.from_path(str(REPO_ROOT)))
    for name, sql in doc_queries().items():
        violations = linter.lint_string(sql).get_violations()
        assert not violations, (name, [f"L{v.line_no}: {v.desc()}" for v in violations])


@pytest.fixture(scope="module")
def reader_url(built_demo_module_url: str) -> Iterator[str]:
    """The demo marts published, as `iku refresh` leaves them, and a reader login made the way
    `iku reader add` makes it; its URL."""
    admin = make_engine(built_demo_module_url)
    name = f"analis_{uuid.uuid4().hex[:8]}"
    password = passwords.generate()
    p = parse_url(built_demo_module_url)
    try:
        assert access.reader_warning(admin) is None
        publish_marts(admin, ["fct_iku", "fct_iku_evidence"], "test-analyst-queries")
        with admin.begin() as conn:  # the next night's candidate marts, not yet published
            conn.exec_driver_sql("create schema marts_build")
            conn.exec_driver_sql("create table marts_build.fct_iku as select * from marts.fct_iku")
        access.add_reader(admin, name, password)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'grant connect on database "{p.dbname}" to {access.READER_ROLE}')
        yield make_url(name, password, p.port, p.dbname, host=p.host)
    finally:
        access.remove_reader(admin, name)
        admin.dispose()


@pytest.fixture(scope="module")
def reader(reader_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(reader_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("name", sorted(doc_queries()))
def test_query_returns_rows_as_the_reader(reader: sa.Engine, name: str) -> None:
    with reader.connect() as conn:
        assert conn.execute(sa.text("select current_user")).scalar().startswith("analis_")
        result = conn.execute(sa.text(doc_queries()[name]))
        columns, rows = list(result.keys()), result.all()
    assert rows, f"{name} returned no row on the demo"
    personal = {"nama", "nik", "tanggal_lahir", "alamat", "nomor_hp", "email"}
    assert not personal & set(columns), name


@pytest.mark.parametrize("schema", CLOSED_SCHEMAS)
def test_the_reader_cannot_read_the_pipeline_schemas(
    reader: sa.Engine, built_demo_module_url: str, schema: str
) -> None:
    admin = make_engine(built_demo_module_url)
    try:
        with admin.connect() as conn:
            table = conn.execute(
                sa.text("select table_name from information_schema.tables where table_schema = :s limit 1"),
                {"s": schema},
            ).scalar()
    finally:
        admin.dispose()
    assert table, f"the demo has no table in {schema}"
    with reader.connect() as conn, pytest.raises(sa.exc.ProgrammingError) as refused:
        conn.execute(sa.text(f"select * from {schema}.{table} limit 1"))
    assert getattr(refused.value.orig, "pgcode", None) == "42501"  # insufficient_privilege
