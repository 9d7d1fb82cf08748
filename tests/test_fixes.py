"""The fix list (`linkwacht export fixes`) and applying it (`linkwacht register apply`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.styles import Font

from crawler.model import CheckResult, Entry, Hop, Status
from crawler.register import load_register
from crawler.store.api import RunState, Store
from linkwacht.cli import main
from reports.fixes import FIX_COLUMNS, Change, Fix, apply_fixes, fixes_for_run, write_fixes
from reports.sample import HOSTILE_JS_URL, populate

# -- export ------------------------------------------------------------------------------------


@pytest.fixture
def sample_store(tmp_path: Path) -> tuple[Store, int]:
    store = Store.open(f"sqlite:///{tmp_path / 'lw.db'}")
    run_id = populate(store, entries=40, runs=3, hostile=True)[-1]
    yield store, run_id  # type: ignore[misc]
    store.close()


def test_the_fix_list_holds_what_needs_action_most_urgent_first(
    sample_store: tuple[Store, int],
) -> None:
    store, run_id = sample_store
    fixes = fixes_for_run(store, run_id, "en")
    results = {r.entry_id: r for r in store.results_for_run(run_id)}
    assert {f.id for f in fixes} == {i for i, r in results.items() if r.status != Status.OK}
    order = ["broken", "invalid", "redirected", "blocked", "transient"]
    assert [f.verdict for f in fixes] == sorted((f.verdict for f in fixes), key=order.index)
    for fix in fixes:
        result = results[fix.id]
        assert fix.current_url == result.url
        if fix.verdict == "redirected" and result.final_url != HOSTILE_JS_URL:
            assert fix.suggested_url == result.final_url
        else:
            assert fix.suggested_url == "", fix
    hostile = next(f for f in fixes if f.id == 3)
    assert "which is not a web address" in hostile.advice


def test_the_advice_is_in_the_chosen_language(sample_store: tuple[Store, int]) -> None:
    store, run_id = sample_store
    broken = {f.id: f.advice for f in fixes_for_run(store, run_id, "fr") if f.reason == "http_404"}
    assert broken and all(a.startswith("Introuvable (404)") for a in broken.values())


def test_csv_export_opens_in_excel_and_defuses_formulas(tmp_path: Path) -> None:
    fixes = [
        Fix(
            1,
            '=HYPERLINK("http://evil")',
            "https://a.be/",
            "https://a.be/new",
            "redirected",
            "permanent_redirect",
            "Mettez à jour",
        )
    ]
    path = tmp_path / "fixes.csv"
    write_fixes(fixes, path, "csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == FIX_COLUMNS
    assert rows[1] == [
        "1",
        '\'=HYPERLINK("http://evil")',
        "https://a.be/",
        "https://a.be/new",
        "redirected",
        "permanent_redirect",
        "Mettez à jour",
        "",
    ]


def test_xlsx_export_keeps_text_as_text(tmp_path: Path) -> None:
    fixes = [Fix(7, "=1+1", "https://a.be/", "", "broken", "http_404", "Niet gevonden (404)")]
    path = tmp_path / "fixes.xlsx"
    write_fixes(fixes, path, "xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(FIX_COLUMNS)
    title = sheet["B2"]
    assert title.value == "=1+1" and title.data_type == "s"
    assert sheet["A2"].value == 7


# -- apply -------------------------------------------------------------------------------------

REGISTER_CSV = (
    "\ufeffid;section;category;title;url;notes\r\n"
    '1;Informeren;Brochures;"Brochure; sexting";https://a.be/1;keep me\r\n'
    "2;Informeren;Brochures;Gids;https://b.be/2;\r\n"
    '3;Handelen;Hulpbronnen;Hulplijn;https://c.be/3;"two\r\nlines"\r\n'
    ";;;a bad row without id;;\r\n"
    "4;Handelen;Hulpbronnen;Campagne;https://d.be/4;x\r\n"
    '5;Handelen;Hulpbronnen;Vorming;"https://e.be/5";"quoted ""as it was"""\r\n'
)


def fix_list(path: Path, rows: list[tuple[int | str, str, str]]) -> Path:
    """rows: (id, current_url, suggested_url)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIX_COLUMNS)
        for entry_id, current, suggested in rows:
            writer.writerow([entry_id, "t", current, suggested, "redirected", "r", "a"])
    return path


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    path.write_bytes(REGISTER_CSV.encode("utf-8"))
    return path


def test_apply_changes_only_the_url_cells_it_was_asked_to(register: Path, tmp_path: Path) -> None:
    fixes = fix_list(
        tmp_path / "fixes.csv",
        [
            (1, "https://a.be/1", "https://a.be/1-nieuw"),
            (2, "https://b.be/2", ""),  # no suggestion: nothing to do
            (5, "https://e.be/5", "https://e.be/5/"),
        ],
    )
    report = apply_fixes(register, fixes, tmp_path / "out.csv")
    assert report.changed == [
        Change(1, "https://a.be/1", "https://a.be/1-nieuw"),
        Change(5, "https://e.be/5", "https://e.be/5/"),
    ]
    assert not report.refused
    written = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    expected = REGISTER_CSV.replace(
        '1;Informeren;Brochures;"Brochure; sexting";https://a.be/1;keep me',
        '1;Informeren;Brochures;"Brochure; sexting";https://a.be/1-nieuw;keep me',
    ).replace(
        '5;Handelen;Hulpbronnen;Vorming;"https://e.be/5";"quoted ""as it was"""',
        '5;Handelen;Hulpbronnen;Vorming;https://e.be/5/;"quoted ""as it was"""',
    )
    assert written == expected, "BOM, delimiter, CRLF, quoting and other rows kept"
    assert report.summary() == f"wrote {tmp_path / 'out.csv'}: 2 of 6 rows changed (URL only)"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            (3, "https://c.be/OLD", "https://c.be/3-new"),
            "3: the register's URL is now 'https://c.be/3', but the fix list was made for "
            "'https://c.be/OLD'; not changed (export a new fix list)",
        ),
        (
            (4, "https://d.be/4", "javascript:alert(1)"),
            "4: suggested URL 'javascript:alert(1)' is not usable (not an http(s) address)",
        ),
        (
            (4, "https://d.be/4", "https://exa mple.be/"),
            "4: suggested URL 'https://exa mple.be/' is not usable (invalid host",
        ),
        ((9, "https://x.be/9", "https://x.be/9-new"), "9: no row with this id in register.csv"),
        ((4, "", "https://d.be/4-new"), "4: the fix list gives no current_url to check"),
    ],
)
def test_apply_refuses_what_it_cannot_do_safely_and_names_the_id(
    register: Path, tmp_path: Path, row: tuple[int, str, str], message: str
) -> None:
    fixes = fix_list(tmp_path / "fixes.csv", [row, (1, "https://a.be/1", "https://a.be/1-new")])
    report = apply_fixes(register, fixes, tmp_path / "out.csv")
    assert len(report.refused) == 1 and report.refused[0].startswith(message), report.refused
    assert [c.id for c in report.changed] == [1], "the other fixes are still applied"
    before = {e.id: e.url for e in load_register(register).entries}
    after = {e.id: e.url for e in load_register(tmp_path / "out.csv").entries}
    assert after == {**before, 1: "https://a.be/1-new"}


def test_contradicting_rows_in_the_fix_list_are_refused(register: Path, tmp_path: Path) -> None:
    fixes = fix_list(
        tmp_path / "fixes.csv",
        [(2, "https://b.be/2", "https://b.be/x"), (2, "https://b.be/2", "https://b.be/y")],
    )
    report = apply_fixes(register, fixes, tmp_path / "out.csv")
    assert report.refused == ["2: the fix list has different suggestions for it (rows 2, 3)"]
    assert report.output is None and not (tmp_path / "out.csv").exists()
    assert report.summary().startswith("nothing changed in")


def test_apply_updates_an_excel_register_in_place_of_a_copy(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Register"
    sheet.append(["ID", "Section", "Category", "Title", "URL", "Opmerking"])
    sheet["A1"].font = Font(bold=True)
    sheet.append([1, "Informeren", "Brochures", "Gids", "https://a.be/1", "houden"])
    sheet.append([2.0, "Handelen", "Hulpbronnen", "Lijn", "https://b.be/2", None])
    sheet["E3"].hyperlink = "https://b.be/2"
    book.create_sheet("Notities")["A1"] = "niet aanraken"
    register = tmp_path / "register.xlsx"
    book.save(register)
    fixes = fix_list(tmp_path / "fixes.csv", [(2, "https://b.be/2", "https://b.be/2-nieuw")])

    report = apply_fixes(register, fixes)
    assert report.output == tmp_path / "register-fixed.xlsx"
    updated = openpyxl.load_workbook(report.output)
    sheet = updated["Register"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["ID", "Section", "Category", "Title", "URL", "Opmerking"],
        [1, "Informeren", "Brochures", "Gids", "https://a.be/1", "houden"],
        [2, "Handelen", "Hulpbronnen", "Lijn", "https://b.be/2-nieuw", None],
    ]
    assert sheet["A1"].font.bold
    assert sheet["E3"].hyperlink is not None and sheet["E3"].hyperlink.target == (
        "https://b.be/2-nieuw"
    )
    assert updated["Notities"]["A1"].value == "niet aanraken"


# -- the whole loop through the command line ----------------------------------------------------


def test_export_then_apply_updates_the_moved_entries(tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    register.write_text(
        "id,section,category,title,url,bron\n"
        "1,Informeren,Brochures,Gids,https://a.be/oud,IGVM\n"
        "2,Informeren,Brochures,Folder,https://b.be/2,IGVM\n"
        "3,Handelen,Hulpbronnen,Lijn,http://c.be/3,\n",
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'lw.db'}"
    loaded = load_register(register)
    with Store.open(db) as store:
        store.sync_register(loaded.entries, source="register.csv")
        run_id = store.start_run("register.csv")
        store.add_results(
            run_id,
            [
                moved(loaded.entries[0], "https://a.be/nieuw"),
                CheckResult(2, "https://b.be/2", "https://b.be/2", Status.BROKEN, "http_404", "x"),
                moved(loaded.entries[2], "https://c.be/3"),  # minor: http to https
            ],
        )
        store.finish_run(run_id, RunState.COMPLETE)

    runner = CliRunner()
    fixes = tmp_path / "fixes.xlsx"
    result = runner.invoke(
        main, ["--db", db, "export", "fixes", "--output", str(fixes), "--lang", "nl"]
    )
    assert result.exit_code == 0, result.output
    assert "3 entries need action in run 1, 2 with a suggested URL" in result.output

    out = tmp_path / "register-new.csv"
    result = runner.invoke(
        main,
        [
            "--db",
            db,
            "register",
            "apply",
            str(fixes),
            "--register",
            str(register),
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "changed 1: https://a.be/oud -> https://a.be/nieuw",
        "changed 3: http://c.be/3 -> https://c.be/3",
        f"wrote {out}: 2 of 3 rows changed (URL only)",
    ]
    again = load_register(out)
    assert [e.url for e in again.entries] == [
        "https://a.be/nieuw",
        "https://b.be/2",
        "https://c.be/3",
    ]
    assert again.extras == loaded.extras


def moved(entry: Entry, to: str) -> CheckResult:
    return CheckResult(
        entry.id,
        entry.url,
        entry.url,
        Status.REDIRECTED,
        "permanent_redirect",
        f"Permanent redirect: update the register to {to}",
        final_url=to,
        http_status=200,
        redirects=(Hop(entry.url, 301),),
    )


def test_cli_apply_exit_codes(register: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    stale = fix_list(tmp_path / "stale.csv", [(3, "https://c.be/OLD", "https://c.be/new")])
    result = runner.invoke(main, ["register", "apply", str(stale), "--register", str(register)])
    assert result.exit_code == 1
    assert "refused 3: the register's URL is now 'https://c.be/3'" in result.output

    bad = tmp_path / "bad.csv"
    bad.write_text("id,url\n1,https://a.be/\n", encoding="utf-8")
    result = runner.invoke(main, ["register", "apply", str(bad), "--register", str(register)])
    assert result.exit_code == 2
    assert "missing columns current_url, suggested_url" in result.output


def test_export_without_runs_says_so(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'lw.db'}"
    result = CliRunner().invoke(main, ["--db", db, "export", "fixes"])
    assert result.exit_code == 2
    assert "no finished run yet" in result.output


def test_a_broken_link_offers_its_archived_copy_in_the_fix_list(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from crawler.model import CheckResult, Entry
    from crawler.store.api import ArchiveAnswer, Store

    store = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    store.sync_register(
        [
            Entry(1, "S", "C", "Gone", "https://gone.be/x"),
            Entry(2, "S", "C", "Moved", "https://m.be/"),
        ],
        source="r.csv",
    )
    run = store.start_run("r.csv")
    store.add_result(
        run,
        CheckResult(1, "https://gone.be/x", "https://gone.be/x", Status.BROKEN, "http_410", "Gone"),
    )
    store.add_result(
        run,
        CheckResult(
            2,
            "https://m.be/",
            "https://m.be/",
            Status.REDIRECTED,
            "permanent_redirect",
            "Moved",
            final_url="https://m.be/n",
        ),
    )
    store.finish_run(run, "complete")
    copy = "http://web.archive.org/web/2021/https://gone.be/x"
    store.save_archive_copies(
        {
            "https://gone.be/x": ArchiveAnswer(
                copy, datetime(2021, 3, 1, tzinfo=UTC), datetime.now(UTC)
            )
        }
    )
    fixes = {f.id: f for f in fixes_for_run(store, run, "en")}
    assert fixes[1].archived_copy == copy
    assert fixes[2].archived_copy == ""
