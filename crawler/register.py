"""Load the register of resources from CSV or XLSX into ``Entry`` rows.

Register files are maintained by hand, mostly in Excel, so the loader is forgiving about
form (BOM, ";" as Excel writes it in Belgian locales, header case and spacing, numeric ids
stored as 12.0, extra columns) and strict about content: every row that cannot be checked
is reported with the file and the line (CSV) or sheet and row (XLSX) to fix, and skipped.
Only problems that make the whole file unusable (unreadable, missing columns) are fatal.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from crawler.model import Entry
from crawler.urls import validate_url

__all__ = [
    "REQUIRED_COLUMNS",
    "LoadedRegister",
    "RegisterError",
    "RegisterProblem",
    "load_register",
]

REQUIRED_COLUMNS = ("id", "section", "category", "title", "url")
CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_DELIMITERS = (",", ";", "\t")
_EXCEL_SEP_HINT = re.compile(r"^sep=(.)$")  # Excel's optional first line, e.g. "sep=;"
_WHOLE_NUMBER = re.compile(r"^\d+(?:\.0+)?$")  # "12" or "12.0" (a float that went via Excel)


@dataclass(frozen=True)
class RegisterProblem:
    """One bad row, or a problem with the whole file; ``str()`` is the line to show a user."""

    path: str
    line: int | None  # CSV: physical line (header = line 1); XLSX: row number
    sheet: str | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.sheet is None else f"{self.path}[{self.sheet}]"
        if self.line is not None:
            where += f":{self.line}" if self.sheet is None else f":row {self.line}"
        parts = [where, self.column, self.message] if self.column else [where, self.message]
        return ": ".join(parts)


@dataclass(frozen=True)
class LoadedRegister:
    entries: tuple[Entry, ...]
    problems: tuple[RegisterProblem, ...]
    path: str
    # Per entry id, the non-required columns under their header as written, in file order,
    # so a writer can put them back.
    extras: dict[int, dict[str, str]] = field(default_factory=dict)


class RegisterError(Exception):
    """The register cannot be used (or, in strict mode, has bad rows); lists every problem."""

    def __init__(self, problems: Sequence[RegisterProblem]) -> None:
        self.problems: list[RegisterProblem] = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        return f"{len(self.problems)} problems:\n" + "\n".join(f"  {p}" for p in self.problems)

    def __str__(self) -> str:
        return self._text()


@dataclass
class _Table:
    """A file reduced to text cells with their line/row numbers; shared by CSV and XLSX."""

    path: str
    sheet: str | None
    header_at: int
    header: list[str]
    rows: list[tuple[int, list[str]]]
    problems: list[RegisterProblem] = field(default_factory=list)
    unusable: set[int] = field(default_factory=set)  # rows already reported as a whole
    # XLSX hyperlink targets by (row, column index): a cell may show "online toegang" and
    # link to the resource, as the register document itself does.
    links: dict[tuple[int, int], str] = field(default_factory=dict)

    def problem(self, line: int | None, column: str | None, message: str) -> RegisterProblem:
        return RegisterProblem(self.path, line, self.sheet, column, message)

    @property
    def unit(self) -> str:
        return "line" if self.sheet is None else "row"


def load_register(
    path: str | Path, *, strict: bool = False, sheet: str | None = None
) -> LoadedRegister:
    """Read a register file (.csv or .xlsx/.xlsm) into entries plus per-row problems.

    Bad rows are skipped and reported in ``problems``; with ``strict=True`` any problem
    raises RegisterError instead. A missing or unreadable file, an unknown extension or a
    missing required column always raises RegisterError.
    """
    name = str(path)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            raise RegisterError([RegisterProblem(name, None, None, None, "sheet= needs .xlsx")])
        table = _read_csv(path, name)
    elif suffix in XLSX_SUFFIXES:
        table = _read_xlsx(path, name, sheet)
    else:
        kind = f"'{path.suffix}'" if path.suffix else "without an extension"
        hint = "save it as .xlsx or CSV" if suffix == ".xls" else "expected .csv or .xlsx"
        raise RegisterError(
            [RegisterProblem(name, None, None, None, f"unsupported file type {kind} ({hint})")]
        )
    register = _build(table)
    if strict and register.problems:
        raise RegisterError(register.problems)
    return register


def _fatal(name: str, message: str, line: int | None = None, sheet: str | None = None) -> NoReturn:
    raise RegisterError([RegisterProblem(name, line, sheet, None, message)])


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        _fatal(name, "file not found")
    except IsADirectoryError:
        _fatal(name, "is a directory, not a register file")
    except OSError as exc:
        _fatal(name, f"cannot read file: {exc.strerror or exc}")


def _read_csv(path: Path, name: str) -> _Table:
    data = _read_bytes(path, name)
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        _fatal(name, "not UTF-8 text; save it as 'CSV UTF-8 (comma delimited)'", line)

    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        _fatal(name, "empty file: no header row")
    hint = _EXCEL_SEP_HINT.match(lines[first].strip())
    skip = first + 1 if hint else first  # lines before the header
    delimiter = hint.group(1) if hint else _detect_delimiter(lines[first])

    # strict: a stray or unclosed quote is reported on its line instead of silently
    # swallowing the rest of the file into one title.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    malformed: list[tuple[int, str]] = []
    while True:
        start = reader.line_num + 1  # the record's first physical line
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            reason = str(exc)
            if reason == "unexpected end of data":
                reason = "a quote opened on this line is never closed"
            malformed.append((start, f"malformed CSV: {reason}"))
            continue
        if start > skip:
            records.append((start, [cell.strip() for cell in record]))

    header_line = next((i for i, (_, cells) in enumerate(records) if any(cells)), None)
    if header_line is None:
        _fatal(name, "empty file: no header row")
    header_at, header = records[header_line]
    table = _Table(name, None, header_at, header, records[header_line + 1 :])
    for line, message in malformed:
        if line <= header_at:
            _fatal(name, message, line)
        table.problems.append(table.problem(line, None, message))
    for line, cells in table.rows:
        if len(cells) > len(header) and any(cells[len(header) :]):
            # Usually an unquoted delimiter inside a title: the columns after it shifted.
            table.problems.append(
                table.problem(
                    line,
                    None,
                    f"{len(cells)} fields but the header has {len(header)} "
                    f"(a {_delimiter_name(delimiter)} inside a value that is not quoted?)",
                )
            )
            table.unusable.add(line)
    return table


def _detect_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most required column names."""

    def score(delimiter: str) -> int:
        names = next(csv.reader([header_line], delimiter=delimiter), [])
        return len({n.strip().lower() for n in names} & set(REQUIRED_COLUMNS))

    return max(_DELIMITERS, key=score)  # ties keep the first, ","


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab"}.get(delimiter, repr(delimiter))


def _read_xlsx(path: Path, name: str, sheet: str | None) -> _Table:
    # Imported here: openpyxl is slow to import and only XLSX registers need it.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    data = _read_bytes(path, name)  # uniform messages for missing/unreadable files
    try:
        # data_only: a formula cell gives the value Excel last computed, not "=...".
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        _fatal(name, f"not readable as .xlsx: {exc}")
    if sheet is None:
        worksheet = workbook.worksheets[0]
    elif sheet in workbook.sheetnames:
        worksheet = workbook[sheet]
    else:
        available = ", ".join(repr(s) for s in workbook.sheetnames)
        _fatal(name, f"no sheet named {sheet!r} (sheets: {available})")
    title = worksheet.title

    rows: list[tuple[int, list[str]]] = []
    links: dict[tuple[int, int], str] = {}
    for number, cells in enumerate(worksheet.iter_rows(min_row=1), start=1):
        rows.append((number, [_cell_text(cell.value) for cell in cells]))
        for index, cell in enumerate(cells):
            link = getattr(cell, "hyperlink", None)
            if link is not None and link.target:
                links[(number, index)] = str(link.target).strip()
    header_index = next((i for i, (_, cells) in enumerate(rows) if any(cells)), None)
    if header_index is None:
        _fatal(name, "empty sheet: no header row", sheet=title)
    header_at, header = rows[header_index]
    return _Table(name, title, header_at, header, rows[header_index + 1 :], links=links)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id typed into Excel comes back as 12.0
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _build(table: _Table) -> LoadedRegister:
    columns: dict[str, int] = {}  # lower-case required name -> index
    extra_columns: list[tuple[str, int]] = []  # (header as written, index)
    seen_names: dict[str, int] = {}
    problems = list(table.problems)
    for index, raw in enumerate(table.header):
        label = raw.strip()
        key = label.lower()
        if not key:
            continue  # unnamed columns (Excel's trailing empties) carry nothing to keep
        if key in seen_names:
            if key in REQUIRED_COLUMNS:
                _fatal(
                    table.path,
                    f"column {key!r} appears twice ({_column_name(table, seen_names[key])} "
                    f"and {_column_name(table, index)})",
                    table.header_at,
                    table.sheet,
                )
            problems.append(
                table.problem(
                    table.header_at, label, "column appears twice; only the first is kept"
                )
            )
            continue
        seen_names[key] = index
        if key in REQUIRED_COLUMNS:
            columns[key] = index
        else:
            extra_columns.append((label, index))
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        found = ", ".join(repr(h) for h in table.header if h) or "nothing"
        _fatal(
            table.path,
            f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(the header has {found})",
            table.header_at,
            table.sheet,
        )

    entries: list[Entry] = []
    extras: dict[int, dict[str, str]] = {}
    first_seen: dict[int, int] = {}
    for line, cells in table.rows:
        if not any(cells) or line in table.unusable:
            continue
        values = {key: _cell(cells, index) for key, index in columns.items()}
        target = table.links.get((line, columns["url"]))
        if target and not values["url"].lower().startswith(("http://", "https://")):
            values["url"] = target  # the cell shows a label; its hyperlink is the URL
        row_problems = _check_row(table, line, values, first_seen)
        if row_problems:
            problems.extend(row_problems)
            continue
        entry_id = _parse_id(values["id"])
        entries.append(
            Entry(entry_id, values["section"], values["category"], values["title"], values["url"])
        )
        extras[entry_id] = {label: _cell(cells, index) for label, index in extra_columns}
    problems.sort(key=lambda p: -1 if p.line is None else p.line)  # stable: file order
    return LoadedRegister(tuple(entries), tuple(problems), table.path, extras)


def _check_row(
    table: _Table, line: int, values: dict[str, str], first_seen: dict[int, int]
) -> list[RegisterProblem]:
    found: list[RegisterProblem] = []
    raw_id = values["id"]
    if not raw_id:
        found.append(table.problem(line, "id", "missing id"))
    elif not _WHOLE_NUMBER.match(raw_id) or _parse_id(raw_id) == 0:
        found.append(
            table.problem(line, "id", f"invalid id {raw_id!r}: must be a positive whole number")
        )
    else:
        entry_id = _parse_id(raw_id)
        if entry_id in first_seen:
            found.append(
                table.problem(
                    line,
                    "id",
                    f"duplicate id {entry_id} (first on {table.unit} {first_seen[entry_id]})",
                )
            )
        else:
            # The first row claims the id even if it is bad for another reason.
            first_seen[entry_id] = line
    if not values["title"]:
        found.append(table.problem(line, "title", "missing title"))
    url_problem = validate_url(values["url"]) if values["url"] else "missing URL"
    if url_problem is not None:
        found.append(table.problem(line, "url", url_problem))
    return found


def _parse_id(text: str) -> int:
    return int(text.split(".", 1)[0])  # only called on _WHOLE_NUMBER text


def _cell(cells: Sequence[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _column_name(table: _Table, index: int) -> str:
    if table.sheet is None:
        return f"field {index + 1}"
    from openpyxl.utils import get_column_letter

    return f"column {get_column_letter(index + 1)}"
