"""The tests' PostgreSQL: the server they are given, else one they start themselves, and
never a silent skip when there is none (tests/pg_server.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests import pg_server

REPO = Path(__file__).resolve().parent.parent
DEAD = "postgresql://postgres@127.0.0.1:1/postgres"  # port 1: nothing listens, refused at once


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder of our own under /tmp: the embedded server opens up its parents' modes,
    which pytest's own temporary folders put back while other sessions run."""
    root = Path(tempfile.mkdtemp(prefix="aigov-pgt-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.postgres
def test_postgres_server_answers(postgres_server: str) -> None:
    with psycopg.connect(postgres_server) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
        superuser = conn.execute("SHOW is_superuser").fetchone()
    assert superuser == ("on",)  # the fixtures create and drop databases
    if os.environ.get(pg_server.ENV_EMBEDDED):
        assert version is not None and int(version[0]) >= 180000
        assert postgres_server != pg_server.MACHINE


def test_a_given_server_that_does_not_answer_fails_naming_it() -> None:
    with (
        pytest.raises(
            pg_server.NoPostgres, match=re.escape(f"AIGOV_TEST_PG={DEAD} does not answer")
        ),
        pg_server.admin_url("unused", {pg_server.ENV_URL: DEAD}),
    ):
        pass


def test_naming_a_server_and_forcing_the_embedded_one_is_refused() -> None:
    env = {pg_server.ENV_URL: DEAD, pg_server.ENV_EMBEDDED: "1"}
    with (
        pytest.raises(pg_server.NoPostgres, match="both AIGOV_TEST_PG and AIGOV_TEST_PG_EMBEDDED"),
        pg_server.admin_url("unused", env),
    ):
        pass


def test_an_embedded_server_that_cannot_start_says_so(scratch: Path) -> None:
    with (
        pytest.raises(
            pg_server.NoPostgres, match=r"no PostgreSQL server for the tests: .* did not start"
        ),
        pg_server.embedded(uuid.uuid4().hex, "a test says so, and", scratch / "missing"),
    ):
        pass


def test_processes_of_one_run_share_one_embedded_server_the_last_stops_it(scratch: Path) -> None:
    run_id = uuid.uuid4().hex
    pgdata = scratch / f"aigov-pg-{run_id}"
    joiner = (
        "import sys; from pathlib import Path; from tests.pg_server import embedded\n"
        "with embedded(sys.argv[1], 'a test joins, and', Path(sys.argv[2])) as url:\n"
        "    print(url, flush=True); sys.stdin.readline()\n"
    )
    with pg_server.embedded(run_id, "a test starts, and", scratch) as url:
        child = subprocess.Popen(
            [sys.executable, "-c", joiner, run_id, str(scratch)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == url  # the same server, not a second one
        child.stdin.write("done\n")
        child.stdin.close()
        assert child.wait(timeout=120) == 0
        # The child was not the last holder: the server still answers, its data still there.
        assert pg_server.problem(url) is None
        assert (pgdata / "PG_VERSION").is_file()
    assert pg_server.problem(url) is not None
    assert not pgdata.exists()


def test_no_postgres_fails_the_postgres_tests_and_skips_none() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop(pg_server.ENV_EMBEDDED, None)
    env[pg_server.ENV_URL] = DEAD
    test = "tests/test_pg_server.py::test_postgres_server_answers"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 error" in run.stdout
    assert f"no PostgreSQL server for the tests: AIGOV_TEST_PG={DEAD} does not answer" in run.stdout
    assert "skipped" not in run.stdout
