"""The command line as a maintainer or administrator uses it (in-process, via click)."""

from __future__ import annotations

import csv
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crawler.model import CheckResult, Status
from crawler.store.api import Store
from linkwacht.cli import main

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["id", "section", "category", "title", "url"]


def write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # commands imported when used are listed too
        command = group.get_command(ctx, name)
        assert command is not None, f"{(*prefix, name)} is listed but cannot be loaded"
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", all_commands(main), ids=lambda p: " ".join(p) or "linkwacht")
def test_every_command_explains_itself(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    command = main
    for name in path:
        command = command.get_command(click.Context(command), name)  # type: ignore[attr-defined]
    assert command.help and len(command.help) > 20, f"{path} has no real help text"


def test_import_list_and_history_of_the_seed_register(db: str) -> None:
    code, out, _ = run(db, "register", "import", str(ROOT / "register_seed.csv"))
    assert code == 0
    assert "94 added, 0 changed, 0 retired" in out
    code, out, _ = run(db, "register", "list", "--category", "Brochures")
    assert code == 0
    assert "2 entries" in out and "GRUBER, Cyber harcèlement" in out
    code, out, _ = run(db, "register", "list", "--section", "Handelen")
    assert "22 entries" in out
    code, out, _ = run(db, "history", "21")
    assert code == 0 and "no results yet" in out


def test_reimport_of_an_edited_register_prints_what_changed(db: str, tmp_path: Path) -> None:
    first = write(
        tmp_path / "r1.csv",
        [
            [1, "S", "C", "One", "https://one.be/"],
            [2, "S", "C", "Two", "https://two.be/"],
            [3, "S", "C", "Three", "https://three.be/"],
        ],
    )
    assert run(db, "register", "import", str(first))[0] == 0
    second = write(
        tmp_path / "r2.csv",
        [
            [1, "S", "C", "One", "https://one.be/new"],
            [2, "S", "C", "Two, renamed", "https://two.be/"],
            [4, "S", "C", "Four", "https://four.be/"],
        ],
    )
    code, out, _ = run(db, "register", "import", str(second))
    assert code == 0
    assert "changed 1 url: https://one.be/ -> https://one.be/new" in out
    assert "changed 2 title: Two -> Two, renamed" in out
    assert "added 4" in out
    assert "retired 3" in out
    code, out, _ = run(db, "register", "list", "--all")
    assert "[retired]" in out and "4 entries" in out
    code, out, _ = run(db, "register", "import", str(second))
    assert "no changes" in out


def test_bad_rows_are_named_and_skipped_or_refused_with_strict(db: str, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.csv",
        [
            [1, "S", "C", "Fine", "https://fine.be/"],
            [2, "S", "C", "Script", "javascript:alert(1)"],
            [3, "S", "C", "No URL", ""],
        ],
    )
    code, out, err = run(db, "register", "import", str(bad))
    assert code == 0
    assert "bad.csv:3: url: unsupported scheme 'javascript'" in err
    assert "bad.csv:4: url: missing URL" in err
    assert "1 added" in out
    code, _, err = run(db, "register", "import", "--strict", str(bad))
    assert code == 2
    assert "bad.csv:3" in err and "bad.csv:4" in err


def test_history_shows_results_newest_first(db: str, tmp_path: Path) -> None:
    run(
        db,
        "register",
        "import",
        str(write(tmp_path / "r.csv", [[7, "S", "C", "T", "https://t.be/"]])),
    )
    store = Store.open(db)
    for status, reason, code in [(Status.OK, "ok", 200), (Status.BROKEN, "http_404", 404)]:
        run_id = store.start_run("r.csv")
        store.add_result(
            run_id,
            CheckResult(
                7, "https://t.be/", "https://t.be/", status, reason, "advice", http_status=code
            ),
        )
        store.finish_run(run_id, "complete")
    code, out, _ = run(db, "history", "7")
    lines = [line for line in out.splitlines() if line.startswith("run")]
    assert "broken" in lines[0] and "http_404" in lines[0]
    assert "ok" in lines[1]
    code, out, _ = run(db, "runs")
    assert code == 0 and out.count("complete") == 2


def test_unknown_entry_and_bad_database_are_clear_errors(db: str, tmp_path: Path) -> None:
    code, _, err = run(db, "history", "999")
    assert code == 2 and "no entry with id 999" in err
    code, _, err = run("postgresql+psycopg://u:secret@127.0.0.1:1/x", "runs")
    assert code == 2 and "secret" not in err and "127.0.0.1" in err


def test_config_file_errors_name_the_key(tmp_path: Path) -> None:
    config = tmp_path / "lw.toml"
    config.write_text("[check]\nuser_agnet = 'x'\n")
    result = CliRunner().invoke(main, ["--config", str(config), "runs"])
    assert result.exit_code == 2
    assert "unknown setting check.user_agnet" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LINKWACHT_CHECK_HOST_MAP": "a.be=127.0.0.1:80x"}, "host_map: bad entry 'a.be'"),
        ({"LINKWACHT_CHECK_CA_BUNDLE": "/nonexistent/ca.pem"}, "check.ca_bundle: no such file"),
        ({"LINKWACHT_CHECK_PROXY": "proxy.example:3128"}, "check.proxy: expected a URL"),
    ],
)
def test_check_settings_only_a_crawl_would_trip_over_are_exit_2(
    db: str, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    register = write(tmp_path / "r.csv", [[1, "S", "C", "T", "https://t.be/"]])
    result = CliRunner(env=env).invoke(main, ["--db", db, "check", "--register", str(register)])
    assert result.exit_code == 2
    assert message in result.stderr
