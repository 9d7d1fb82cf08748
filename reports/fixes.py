"""The fix list (what needs doing, one row per entry) and applying it to the register file.

``export fixes`` writes the entries that need action with the advice in the maintainers'
language and, for permanent redirects, the suggested URL. ``register apply`` takes such a
list (edited or not) and writes an updated register: only the URL cell of the rows it names
changes, and only when the register still holds the URL the list was made from. Everything
else (other rows, extra columns, row order, delimiter, BOM, line endings, Excel formatting)
is kept as it was; untouched CSV records are copied byte for byte.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from crawler.model import Status
from crawler.store.api import ArchiveAnswer, RunInfo, RunState, Store
from crawler.urls import validate_url
from reports.archive import atomic_write
from reports.data import URGENCY, ReportError, suggested_url
from reports.i18n import Words, is_web_url

FIX_COLUMNS = (
    "id", "title", "current_url", "suggested_url", "verdict", "reason", "advice", "archived_copy",
)  # fmt: skip
Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
_WHOLE_NUMBER = re.compile(r"^\s*(\d+)(?:\.0+)?\s*$")
# A cell starting with one of these is a formula to Excel: text from a register or the web
# must not become one (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FixError(Exception):
    """The fix list or the register cannot be used at all (unreadable, missing columns)."""


@dataclass(frozen=True, slots=True)
class Fix:
    id: int
    title: str
    current_url: str
    suggested_url: str
    verdict: str
    reason: str
    advice: str
    archived_copy: str = ""  # the web archive's closest working copy of a broken link

    def cells(self) -> list[Any]:
        return [
            self.id,
            self.title,
            self.current_url,
            self.suggested_url,
            self.verdict,
            self.reason,
            self.advice,
            self.archived_copy,
        ]


def _archived(answer: ArchiveAnswer | None, status: Status) -> str:
    if status != Status.BROKEN or answer is None or not answer.copy_url:
        return ""
    # Offered as a link only when it is one: the archive's answer comes from the web.
    return answer.copy_url if answer.copy_url.startswith(("http://", "https://")) else ""


# -- export ------------------------------------------------------------------------------------


def default_run(store: Store) -> RunInfo:
    """The newest run that has finished (a run still going is not a basis for fixes)."""
    for run in store.latest_runs(limit=50):
        if run.state != RunState.RUNNING:
            return run
    raise ReportError("no finished run yet: run `linkwacht check` first")


def fixes_for_run(store: Store, run_id: int, lang: str) -> list[Fix]:
    """The entries of ``run_id`` that need action, most urgent first, then register order."""
    if store.get_run(run_id) is None:
        raise ReportError(f"run {run_id} does not exist")
    words = Words(lang)
    entries = {e.id: e for e in store.list_entries(include_retired=True)}
    urgent = {status: i for i, status in enumerate(URGENCY)}
    out: list[tuple[int, int, Fix]] = []
    results = store.results_for_run(run_id)
    copies = store.archive_copies([r.url for r in results if r.status == Status.BROKEN])
    for result in results:
        if result.status == Status.OK:
            continue
        entry = entries.get(result.entry_id)
        suggestion = suggested_url(result)  # http(s) only, never a javascript: target
        fix = Fix(
            id=result.entry_id,
            title=entry.title if entry else "",
            current_url=result.url,
            suggested_url=suggestion or "",
            verdict=result.status.value,
            reason=result.reason,
            advice=words.advice(result, suggestion),
            archived_copy=_archived(copies.get(result.url), result.status),
        )
        position = entry.position if entry else 1 << 30
        out.append((urgent[result.status], position, fix))
    out.sort(key=lambda item: (item[0], item[1], item[2].id))
    return [fix for _, _, fix in out]


def write_fixes(fixes: Sequence[Fix], path: Path, fmt: Format) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(FIX_COLUMNS)
        for fix in fixes:
            writer.writerow([_defuse(cell) for cell in fix.cells()])
        # BOM: Excel then reads the file as UTF-8 (accents intact); the register loader too.
        atomic_write(path, "\ufeff" + buffer.getvalue())
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "fixes"
    sheet.append(list(FIX_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for fix in fixes:
        sheet.append(fix.cells())
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, even "=..." (never a formula)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (6, 40, 50, 50, 12, 20, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    tmp = path.with_name(f".{path.name}.tmp")
    book.save(tmp)
    tmp.replace(path)


def _defuse(cell: Any) -> Any:
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def format_for(path: str | None, fmt: str | None) -> Format:
    """``--format`` if given, else the output file's extension, else CSV."""
    if fmt:
        chosen = fmt.lower()
    elif path and Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        chosen = "xlsx"
    else:
        chosen = "csv"
    if chosen not in FORMATS:
        raise FixError(f"unknown format {fmt!r}: use csv or xlsx")
    return "xlsx" if chosen == "xlsx" else "csv"


# -- reading tables ----------------------------------------------------------------------------


@dataclass
class _Table:
    """A CSV or XLSX sheet as text cells, with what is needed to write it back unchanged."""

    path: Path
    header_index: int  # index into rows
    rows: list[list[str]]
    # CSV only: the raw text of each record, the delimiter, BOM and the lines before the header
    raw: list[str] = field(default_factory=list)
    delimiter: str = ","
    bom: bool = False
    preamble: str = ""

    def column(self, name: str) -> int | None:
        for i, label in enumerate(self.rows[self.header_index]):
            if label.strip().lower() == name:
                return i
        return None


def _read_csv(path: Path) -> _Table:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FixError(f"{path}: cannot read: {exc.strerror or exc}") from None
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FixError(f"{path}: not UTF-8 text; save it as 'CSV UTF-8'") from None
    lines = io.StringIO(text, newline="").readlines()
    preamble = ""
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    hint = re.match(r"^sep=(.)\s*$", lines[start]) if start < len(lines) else None
    if hint:
        start += 1
    if start >= len(lines):
        raise FixError(f"{path}: empty file: no header row")
    preamble = "".join(lines[:start])
    delimiter = hint.group(1) if hint else _delimiter(lines[start])
    body = "".join(lines[start:])
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    raw: list[str] = []
    body_lines = lines[start:]
    consumed = 0
    try:
        for record in reader:
            rows.append(record)
            raw.append("".join(body_lines[consumed : reader.line_num]))
            consumed = reader.line_num
    except csv.Error as exc:
        raise FixError(f"{path}: line {start + reader.line_num}: malformed CSV: {exc}") from None
    header = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if header is None:
        raise FixError(f"{path}: empty file: no header row")
    return _Table(path, header, rows, raw, delimiter, bom, preamble)


def _delimiter(header: str) -> str:
    names = {"id", "url", "title", "section", "category", "current_url", "suggested_url"}

    def score(delimiter: str) -> int:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        return len({c.strip().lower() for c in cells} & names)

    return max((",", ";", "\t"), key=score)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _load_book(path: Path) -> Any:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    except FileNotFoundError:
        raise FixError(f"{path}: file not found") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FixError(f"{path}: not readable as .xlsx: {exc}") from None


def _sheet(book: Any, path: Path, sheet: str | None) -> Any:
    if sheet is None:
        return book.worksheets[0]
    if sheet not in book.sheetnames:
        names = ", ".join(repr(s) for s in book.sheetnames)
        raise FixError(f"{path}: no sheet named {sheet!r} (sheets: {names})")
    return book[sheet]


def _xlsx_rows(worksheet: Any) -> list[list[str]]:
    return [[_cell_text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]


def _is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _check_suffix(path: Path) -> None:
    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        raise FixError(f"{path}: expected a .csv or .xlsx file")


# -- apply -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requested:
    """One row of the fix list that asks for a change."""

    line: int  # row number in the fix list (header = 1)
    id: int
    current_url: str
    suggested_url: str


@dataclass(frozen=True, slots=True)
class Change:
    id: int
    old: str
    new: str


@dataclass
class ApplyReport:
    register: Path
    output: Path | None = None  # None: nothing was written
    changed: list[Change] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # one line each, naming the id
    unchanged: list[str] = field(default_factory=list)  # asked for, already so
    rows: int = 0  # data rows in the register

    def lines(self) -> list[str]:
        out = [f"changed {c.id}: {c.old} -> {c.new}" for c in self.changed]
        out += [f"already so {line}" for line in self.unchanged]
        out += [f"refused {line}" for line in self.refused]
        return out

    def summary(self) -> str:
        refused = f"; {len(self.refused)} refused" if self.refused else ""
        if self.output is None:
            return f"nothing changed in {self.register}; no file written{refused}"
        return (
            f"wrote {self.output}: {len(self.changed)} of {self.rows} rows changed "
            f"(URL only){refused}"
        )


def read_fix_list(path: Path, sheet: str | None = None) -> list[Requested]:
    """The rows of a fix list that carry a suggested URL (an empty one asks for nothing)."""
    _check_suffix(path)
    if _is_xlsx(path):
        book = _load_book(path)
        rows = _xlsx_rows(_sheet(book, path, sheet))
        header = next((i for i, r in enumerate(rows) if any(rows[i])), None)
        if header is None:
            raise FixError(f"{path}: empty sheet: no header row")
        table = _Table(path, header, rows)
    else:
        table = _read_csv(path)
    columns = {name: table.column(name) for name in ("id", "current_url", "suggested_url")}
    missing = [name for name, index in columns.items() if index is None]
    if missing:
        raise FixError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(a fix list from `linkwacht export fixes` has {', '.join(FIX_COLUMNS)})"
        )
    out: list[Requested] = []
    for number, cells in enumerate(table.rows[table.header_index + 1 :], table.header_index + 2):

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns[name]
            assert index is not None
            return cells[index].strip() if index < len(cells) else ""

        suggestion = cell("suggested_url")
        if not suggestion:
            continue
        match = _WHOLE_NUMBER.match(cell("id"))
        if match is None:
            raise FixError(f"{path}: row {number}: id {cell('id')!r} is not a whole number")
        out.append(Requested(number, int(match.group(1)), cell("current_url"), suggestion))
    return out


def apply_fixes(
    register: Path,
    fix_list: Path,
    output: Path | None = None,
    *,
    sheet: str | None = None,
) -> ApplyReport:
    """Write ``output`` (default: ``<register>-fixed.<ext>``) with the fix list's suggested
    URLs applied, and say what changed and what was refused."""
    _check_suffix(register)
    requests = read_fix_list(fix_list)
    output = output or register.with_name(f"{register.stem}-fixed{register.suffix}")
    if _is_xlsx(register) != _is_xlsx(output):
        raise FixError(f"{output}: must be the same kind of file as {register}")
    report = ApplyReport(register)

    book: Any = None
    if _is_xlsx(register):
        book = _load_book(register)
        worksheet = _sheet(book, register, sheet)
        rows = _xlsx_rows(worksheet)
        header = next((i for i, r in enumerate(rows) if any(r)), None)
        if header is None:
            raise FixError(f"{register}: empty sheet: no header row")
        table = _Table(register, header, rows)
    else:
        if sheet is not None:
            raise FixError("--sheet needs an .xlsx register")
        table = _read_csv(register)
    id_col, url_col = table.column("id"), table.column("url")
    if id_col is None or url_col is None:
        raise FixError(f"{register}: not a register: it needs the columns id and url")

    where: dict[int, list[int]] = {}  # entry id -> row indexes
    for index in range(table.header_index + 1, len(table.rows)):
        cells = table.rows[index]
        if not any(c.strip() for c in cells):
            continue
        report.rows += 1
        match = _WHOLE_NUMBER.match(cells[id_col]) if id_col < len(cells) else None
        if match:
            where.setdefault(int(match.group(1)), []).append(index)

    wanted = _consistent(requests, report)
    edits: dict[int, str] = {}  # row index -> new URL
    for req in wanted:
        matches = where.get(req.id, [])
        if not matches:
            report.refused.append(f"{req.id}: no row with this id in {register.name}")
            continue
        if len(matches) > 1:
            report.refused.append(f"{req.id}: several rows of {register.name} have this id")
            continue
        cells = table.rows[matches[0]]
        now = cells[url_col].strip() if url_col < len(cells) else ""
        if not req.current_url:
            report.refused.append(f"{req.id}: the fix list gives no current_url to check")
            continue
        if now != req.current_url:  # edited since the list was made: the fix may be stale
            report.refused.append(
                f"{req.id}: the register's URL is now {now!r}, but the fix list was made for "
                f"{req.current_url!r}; not changed (export a new fix list)"
            )
            continue
        if req.suggested_url == now:
            report.unchanged.append(f"{req.id}: {now}")
            continue
        if is_web_url(req.suggested_url):
            problem = validate_url(req.suggested_url)
        else:
            problem = "not an http(s) address"
        if problem is not None:
            report.refused.append(
                f"{req.id}: suggested URL {req.suggested_url!r} is not usable ({problem})"
            )
            continue
        edits[matches[0]] = req.suggested_url
        report.changed.append(Change(req.id, now, req.suggested_url))

    if not edits:
        return report
    if book is not None:
        _write_xlsx(book, worksheet, table, url_col, edits, output)
    else:
        _write_csv(table, url_col, edits, output)
    report.output = output
    report.changed.sort(key=lambda c: min(where[c.id]))  # register order
    return report


def _consistent(requests: Iterable[Requested], report: ApplyReport) -> list[Requested]:
    """Drop ids the fix list asks two different things for."""
    by_id: dict[int, list[Requested]] = {}
    for req in requests:
        by_id.setdefault(req.id, []).append(req)
    out: list[Requested] = []
    for entry_id, reqs in by_id.items():
        if len({(r.current_url, r.suggested_url) for r in reqs}) > 1:
            lines = ", ".join(str(r.line) for r in reqs)
            report.refused.append(
                f"{entry_id}: the fix list has different suggestions for it (rows {lines})"
            )
            continue
        out.append(reqs[0])
    return out


def _write_csv(table: _Table, url_col: int, edits: dict[int, str], output: Path) -> None:
    parts = [table.preamble]
    for index, raw in enumerate(table.raw):
        if index not in edits:
            parts.append(raw)
            continue
        cells = list(table.rows[index])
        cells[url_col] = edits[index]
        ending = raw[len(raw.rstrip("\r\n")) :]  # keep the record's own line ending
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter=table.delimiter, lineterminator=ending).writerow(cells)
        parts.append(buffer.getvalue())
    atomic_write(output, ("\ufeff" if table.bom else "") + "".join(parts))


def _write_xlsx(
    book: Any, worksheet: Any, table: _Table, url_col: int, edits: dict[int, str], output: Path
) -> None:
    for index, url in edits.items():
        cell = worksheet.cell(row=index + 1, column=url_col + 1)  # rows are read from row 1
        cell.value = url
        cell.data_type = "s"
        if cell.hyperlink is not None:
            cell.hyperlink = url  # a clickable cell must not keep leading to the old URL
    tmp = output.with_name(f".{output.name}.tmp")
    book.save(tmp)
    tmp.replace(output)
