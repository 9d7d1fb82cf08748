"""crawler.register: loading the register from CSV and XLSX, and reporting bad rows."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from crawler.model import Entry
from crawler.register import RegisterError, RegisterProblem, load_register

SEED = Path(__file__).resolve().parents[1] / "register_seed.csv"
HEADER = "id,section,category,title,url\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Relative names keep the expected messages as short as a user would see them.
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str, encoding: str = "utf-8") -> str:
    Path(name).write_text(text, encoding=encoding, newline="")
    return name


def messages(problems: tuple[RegisterProblem, ...] | list[RegisterProblem]) -> list[str]:
    return [str(p) for p in problems]


# == The seed =====================================================================


def test_seed_register_loads_cleanly() -> None:
    register = load_register(SEED, strict=True)
    assert len(register.entries) == 94
    assert register.problems == ()
    assert register.entries[0] == Entry(
        1,
        "Informeren",
        "Artikels et monografieën",
        "BENDIB, Revenge porn, Namen, Femmes de droit, gepubliceerd in januari 2021",
        "https://femmesdedroit.be/informations-juridiques/abecedaire/elementor-4371/",
    )
    by_id = {e.id: e for e in register.entries}
    # URLs come back exactly as written, never re-encoded.
    assert (
        by_id[59].url == "https://www.parentsconnectés.be/theme/relations-sexualite?age%5B0%5D=12"
    )
    assert by_id[66].url.endswith("Dossier_FR.pdf?ver=I7aLEmI__FKd5FkaMWvX_w%3d%3d")


# == CSV: rows with problems ======================================================

BAD_ROWS = (
    HEADER
    + "1,S,C,Good,https://example.be/\n"  # line 2
    + "\n"  # 3: blank, skipped silently
    + "2,S,C,No URL,\n"  # 4
    + ",S,C,No id,https://example.be/a\n"  # 5
    + "abc,S,C,Bad id,https://example.be/b\n"  # 6
    + "0,S,C,Zero id,https://example.be/c\n"  # 7
    + "-4,S,C,Negative id,https://example.be/d\n"  # 8
    + "1.5,S,C,Fractional id,https://example.be/e\n"  # 9
    + "1,S,C,Duplicate,https://example.be/f\n"  # 10
    + '3,S,C,"Title over\ntwo lines",javascript:void(0)\n'  # 11-12
    + "4,S,C,Ftp,ftp://files.example.be/x\n"  # 13
    + "5,S,C,Mail,mailto:info@example.be\n"  # 14
    + "6,S,C,,https://example.be/g\n"  # 15
    + "7,S,C,Space in host,http://ex ample.be/\n"  # 16
    + "8,S,C,Port,https://example.be:99999/\n"  # 17
    + "9,S,C,No host,https:///path\n"  # 18
    + "10,S,C,Bad IDN,https://xn--zz.be/\n"  # 19
    + " , , , , \n"  # 20: only whitespace, skipped silently
    + "11,S,C,No scheme,www.example.be\n"  # 21
    + "12,S,C,Two problems,\n"  # 22
    + "12,S,C,,ftp://x.be/\n"  # 23
    + "13.0,S,C,Good too,https://example.be/h\n"  # 24
)

EXPECTED_PROBLEMS = [
    "register.csv:4: url: missing URL",
    "register.csv:5: id: missing id",
    "register.csv:6: id: invalid id 'abc': must be a positive whole number",
    "register.csv:7: id: invalid id '0': must be a positive whole number",
    "register.csv:8: id: invalid id '-4': must be a positive whole number",
    "register.csv:9: id: invalid id '1.5': must be a positive whole number",
    "register.csv:10: id: duplicate id 1 (first on line 2)",
    "register.csv:11: url: unsupported scheme 'javascript' (only http and https)",
    "register.csv:13: url: unsupported scheme 'ftp' (only http and https)",
    "register.csv:14: url: unsupported scheme 'mailto' (only http and https)",
    "register.csv:15: title: missing title",
    "register.csv:16: url: invalid host 'ex ample.be': contains a space",
    "register.csv:17: url: invalid port '99999'",
    "register.csv:18: url: no host",
    "register.csv:19: url: invalid host 'xn--zz.be': bad IDN label 'xn--zz': Invalid A-label",
    "register.csv:21: url: no scheme (expected http:// or https://)",
    "register.csv:22: url: missing URL",
    # The first row claims id 12 even though it is bad itself: both rows need fixing.
    "register.csv:23: id: duplicate id 12 (first on line 22)",
    "register.csv:23: title: missing title",
    "register.csv:23: url: unsupported scheme 'ftp' (only http and https)",
]


def test_bad_rows_are_reported_with_their_physical_line_and_skipped() -> None:
    register = load_register(write("register.csv", BAD_ROWS))
    assert messages(register.problems) == EXPECTED_PROBLEMS
    assert [(e.id, e.title) for e in register.entries] == [(1, "Good"), (13, "Good too")]
    assert register.path == "register.csv"


def test_problem_fields() -> None:
    register = load_register(write("register.csv", BAD_ROWS))
    assert register.problems[0] == RegisterProblem("register.csv", 4, None, "url", "missing URL")


def test_strict_mode_raises_with_every_problem() -> None:
    write("register.csv", BAD_ROWS)
    with pytest.raises(RegisterError) as raised:
        load_register("register.csv", strict=True)
    assert messages(raised.value.problems) == EXPECTED_PROBLEMS
    text = str(raised.value)
    assert text.startswith(f"{len(EXPECTED_PROBLEMS)} problems:\n")
    assert all(line in text for line in EXPECTED_PROBLEMS)


def test_strict_mode_accepts_a_clean_file() -> None:
    write("register.csv", HEADER + "1,S,C,T,https://example.be/\n\n")
    assert load_register("register.csv", strict=True).entries == (
        Entry(1, "S", "C", "T", "https://example.be/"),
    )


def test_unquoted_delimiter_in_a_value_is_reported() -> None:
    text = (
        HEADER + "1,S,C,Good,https://a.be/\n2,S,C,Smith, J.,https://b.be/\n3,S,C,T,https://c.be/\n"
    )
    register = load_register(write("register.csv", text))
    assert messages(register.problems) == [
        "register.csv:3: 6 fields but the header has 5 (a comma inside a value that is not quoted?)"
    ]
    assert [e.id for e in register.entries] == [1, 3]


def test_stray_and_unclosed_quotes_are_reported_on_their_line() -> None:
    text = (
        HEADER
        + '1,S,C,"Title" extra,https://a.be/\n'  # 2
        + "2,S,C,T,https://b.be/\n"  # 3
        + '3,S,C,"Unclosed,https://c.be/\n'  # 4: swallows the rest of the file
        + "4,S,C,T,https://d.be/\n"
    )
    register = load_register(write("register.csv", text))
    assert messages(register.problems) == [
        "register.csv:2: malformed CSV: ',' expected after '\"'",
        "register.csv:4: malformed CSV: a quote opened on this line is never closed",
    ]
    assert [e.id for e in register.entries] == [2]


def test_values_are_stripped_but_urls_are_kept_as_written() -> None:
    url = "https://www.parentsconnectés.be/x y/?ver=a%3d%3d&b=%CC%80"
    write("register.csv", HEADER + f" 7 ,  Sec , Cat ,  A title  ,  {url}  \n")
    assert load_register("register.csv").entries == (Entry(7, "Sec", "Cat", "A title", url),)


def test_empty_section_and_category_are_allowed() -> None:
    write("register.csv", HEADER + "1,,,T,https://a.be/\n")
    register = load_register("register.csv")
    assert register.entries == (Entry(1, "", "", "T", "https://a.be/"),)
    assert register.problems == ()


# == CSV: encodings, delimiters, header ===========================================


def test_utf8_bom_is_accepted() -> None:
    Path("bom.csv").write_bytes(
        "\ufeffid,section,category,title,url\n1,Sé,C,Tïtle,https://a.be/\n".encode()
    )
    register = load_register("bom.csv")
    assert register.entries == (Entry(1, "Sé", "C", "Tïtle", "https://a.be/"),)


def test_semicolon_csv_as_excel_writes_it_in_belgium() -> None:
    text = (
        "\ufeffID;Sectie; Category ;Title;URL;Opmerking\r\n"
        '1;Informeren;Andere;"Titel; met puntkomma, en komma";https://a.be/;nota\r\n'
        ";;;;;\r\n"
        "2;Informeren;Andere;Zonder URL;;\r\n"
    )
    # "Sectie" is not "section": the missing column is fatal, and says what the header has.
    write("excel.csv", text)
    with pytest.raises(RegisterError) as raised:
        load_register("excel.csv")
    assert str(raised.value) == (
        "excel.csv:1: missing required column section (the header has 'ID', 'Sectie', "
        "'Category', 'Title', 'URL', 'Opmerking')"
    )

    write("excel.csv", text.replace("Sectie", "Section"))
    register = load_register("excel.csv")
    assert register.entries == (
        Entry(1, "Informeren", "Andere", "Titel; met puntkomma, en komma", "https://a.be/"),
    )
    assert register.extras == {1: {"Opmerking": "nota"}}
    assert messages(register.problems) == ["excel.csv:4: url: missing URL"]


def test_excel_sep_hint_line() -> None:
    write(
        "hint.csv", "sep=;\n" + HEADER.replace(",", ";") + "1;S;C;T;https://a.be/\n;;;;\n2;S;C;;\n"
    )
    register = load_register("hint.csv")
    assert [e.id for e in register.entries] == [1]
    assert messages(register.problems) == [
        "hint.csv:5: title: missing title",
        "hint.csv:5: url: missing URL",
    ]


def test_header_names_are_case_and_space_insensitive_and_extras_are_kept() -> None:
    text = (
        " URL ,Notes,Title,CATEGORY, Id ,Section,Owner\n"
        "https://a.be/,first,T1,C,1,S,Ann\n"
        "https://b.be/,,T2,C,2,S,\n"
    )
    register = load_register(write("r.csv", text))
    assert register.entries == (
        Entry(1, "S", "C", "T1", "https://a.be/"),
        Entry(2, "S", "C", "T2", "https://b.be/"),
    )
    # Header spelling and column order are kept so a writer can put them back.
    assert register.extras == {1: {"Notes": "first", "Owner": "Ann"}, 2: {"Notes": "", "Owner": ""}}
    assert list(register.extras[1]) == ["Notes", "Owner"]


def test_missing_columns_are_fatal_and_named() -> None:
    write("r.csv", "id,title\n1,T\n")
    with pytest.raises(RegisterError) as raised:
        load_register("r.csv")
    assert str(raised.value) == (
        "r.csv:1: missing required columns section, category, url (the header has 'id', 'title')"
    )
    assert raised.value.problems == [
        RegisterProblem(
            "r.csv",
            1,
            None,
            None,
            "missing required columns section, category, url (the header has 'id', 'title')",
        )
    ]


def test_duplicate_required_column_is_fatal() -> None:
    write("r.csv", "id,section,category,title,url,URL\n")
    with pytest.raises(RegisterError, match=r"^r\.csv:1: column 'url' appears twice"):
        load_register("r.csv")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "missing.csv: file not found"),
        ("register.txt", "", "register.txt: unsupported file type '.txt' (expected .csv or .xlsx)"),
        (
            "register.xls",
            "",
            "register.xls: unsupported file type '.xls' (save it as .xlsx or CSV)",
        ),
        (
            "register",
            "",
            "register: unsupported file type without an extension (expected .csv or .xlsx)",
        ),
        ("empty.csv", "", "empty.csv: empty file: no header row"),
        ("blank.csv", "\n  \n", "blank.csv: empty file: no header row"),
        (
            "broken.xlsx",
            "not a zip file",
            "broken.xlsx: not readable as .xlsx: File is not a zip file",
        ),
    ],
)
def test_unusable_files(name: str, content: str | None, message: str) -> None:
    if content is not None:
        write(name, content)
    with pytest.raises(RegisterError) as raised:
        load_register(name)
    assert str(raised.value) == message


def test_directory_is_not_a_register() -> None:
    Path("dir.csv").mkdir()
    with pytest.raises(RegisterError, match=r"^dir\.csv: is a directory"):
        load_register("dir.csv")


def test_non_utf8_csv_names_the_line() -> None:
    Path("ansi.csv").write_bytes((HEADER + "1,S,C,Caf\xe9,https://a.be/\n").encode("cp1252"))
    with pytest.raises(RegisterError) as raised:
        load_register("ansi.csv")
    assert str(raised.value) == (
        "ansi.csv:2: not UTF-8 text; save it as 'CSV UTF-8 (comma delimited)'"
    )


# == XLSX =========================================================================


def make_workbook(path: str, sheets: dict[str, list[list[object]]], active: int = 0) -> str:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.active = active
    workbook.save(path)
    return path


XLSX_HEADER: list[object] = ["id", "section", "category", "title", "url"]


def test_xlsx_round_trip_of_the_seed() -> None:
    seed = load_register(SEED)
    rows: list[list[object]] = [[*XLSX_HEADER, "Opmerking"]]
    for entry in seed.entries:
        # Excel stores numbers as floats: ids come back as 12.0.
        rows.append([float(entry.id), entry.section, entry.category, entry.title, entry.url, ""])
    rows[5][5] = "nagekeken"
    make_workbook("seed.xlsx", {"Register": rows})

    register = load_register("seed.xlsx", strict=True)
    assert register.entries == seed.entries
    assert register.extras[5] == {"Opmerking": "nagekeken"}
    assert register.extras[1] == {"Opmerking": ""}


def test_xlsx_problems_name_sheet_and_row() -> None:
    make_workbook(
        "reg.xlsx",
        {
            "Blad1": [
                [" ID", "Section", "Category", "Title", "URL"],  # row 1
                [1, "S", "C", "T", "https://a.be/"],  # 2
                [12, "S", "C", "T", "https://b.be/"],  # 3
                [],  # 4: blank, skipped
                [None, None, None, None, None],  # 5: blank, skipped
                [2.0, "S", "C", "T", "ftp://c.be/"],  # 6
                [12.0, "S", "C", "T", "https://d.be/"],  # 7
                [12.5, "S", "C", None, "https://e.be/"],  # 8
                [True, "S", "C", "T", "https://f.be/"],  # 9
                ["3", " S ", "C", "  T  ", " https://g.be/ "],  # 10
            ]
        },
    )
    register = load_register("reg.xlsx")
    assert messages(register.problems) == [
        "reg.xlsx[Blad1]:row 6: url: unsupported scheme 'ftp' (only http and https)",
        "reg.xlsx[Blad1]:row 7: id: duplicate id 12 (first on row 3)",
        "reg.xlsx[Blad1]:row 8: id: invalid id '12.5': must be a positive whole number",
        "reg.xlsx[Blad1]:row 8: title: missing title",
        "reg.xlsx[Blad1]:row 9: id: invalid id 'TRUE': must be a positive whole number",
    ]
    assert register.problems[1] == RegisterProblem(
        "reg.xlsx", 7, "Blad1", "id", "duplicate id 12 (first on row 3)"
    )
    assert register.entries == (
        Entry(1, "S", "C", "T", "https://a.be/"),
        Entry(12, "S", "C", "T", "https://b.be/"),
        Entry(3, "S", "C", "T", "https://g.be/"),
    )
    with pytest.raises(RegisterError) as raised:
        load_register("reg.xlsx", strict=True)
    assert len(raised.value.problems) == 5


def test_xlsx_reads_the_first_sheet_or_a_named_one() -> None:
    make_workbook(
        "two.xlsx",
        {
            "Register": [XLSX_HEADER, [1, "S", "C", "First sheet", "https://a.be/"]],
            "Archief": [
                ["Notes"],  # not a register sheet
            ],
            "Oud": [XLSX_HEADER, [], [7, "S", "C", "Named sheet", "https://b.be/"]],
        },
        active=2,  # the workbook was saved with another sheet open: still the first one
    )
    assert [e.title for e in load_register("two.xlsx").entries] == ["First sheet"]
    assert [e.title for e in load_register("two.xlsx", sheet="Oud").entries] == ["Named sheet"]

    with pytest.raises(RegisterError) as raised:
        load_register("two.xlsx", sheet="Blad9")
    assert str(raised.value) == (
        "two.xlsx: no sheet named 'Blad9' (sheets: 'Register', 'Archief', 'Oud')"
    )
    with pytest.raises(RegisterError) as raised:
        load_register("two.xlsx", sheet="Archief")
    assert str(raised.value) == (
        "two.xlsx[Archief]:row 1: missing required columns id, section, category, title, url "
        "(the header has 'Notes')"
    )


def test_xlsx_empty_sheet() -> None:
    make_workbook("empty.xlsx", {"Leeg": []})
    with pytest.raises(RegisterError) as raised:
        load_register("empty.xlsx")
    assert str(raised.value) == "empty.xlsx[Leeg]: empty sheet: no header row"


def test_sheet_argument_needs_xlsx() -> None:
    write("r.csv", HEADER)
    with pytest.raises(RegisterError, match=r"^r\.csv: sheet= needs \.xlsx$"):
        load_register("r.csv", sheet="Blad1")


# == Problem formatting ===========================================================


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (
            RegisterProblem("register.csv", 14, None, "url", "missing URL"),
            "register.csv:14: url: missing URL",
        ),
        (
            RegisterProblem("reg.xlsx", 7, "Blad1", "id", "duplicate id 12 (first on row 3)"),
            "reg.xlsx[Blad1]:row 7: id: duplicate id 12 (first on row 3)",
        ),
        (RegisterProblem("r.csv", 3, None, None, "6 fields"), "r.csv:3: 6 fields"),
        (RegisterProblem("r.csv", None, None, None, "file not found"), "r.csv: file not found"),
        (RegisterProblem("r.xlsx", None, "Blad1", None, "empty"), "r.xlsx[Blad1]: empty"),
    ],
)
def test_problem_text(problem: RegisterProblem, text: str) -> None:
    assert str(problem) == text


def test_xlsx_url_cell_showing_a_label_gives_its_hyperlink(tmp_path: Path) -> None:
    # The register document shows "(online toegang)" and links it; Excel keeps it so too.
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "section", "category", "title", "url"])
    sheet.append([1, "Handelen", "Hulpbronnen", "Sorrybox", "online toegang"])
    sheet["E2"].hyperlink = "https://www.sorrybox.be/"
    sheet.append([2, "Handelen", "Hulpbronnen", "Zijn", "https://www.vzwzijn.be/"])
    sheet["E3"].hyperlink = "https://elsewhere.example/"  # a real URL as text wins
    path = tmp_path / "register.xlsx"
    book.save(path)
    loaded = load_register(path)
    assert [e.url for e in loaded.entries] == [
        "https://www.sorrybox.be/",
        "https://www.vzwzijn.be/",
    ]
