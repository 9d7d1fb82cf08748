"""Build ``register_seed.csv`` from the text extracted from the register PDF.

Usage (from the repository root)::

    python tools/build_seed.py [DOCUMENT] [--output register_seed.csv] [--check]

The document is the PDF text: an introduction, a ``Register`` line, then section and
category headers and "•" entries wrapped over several lines, each ending with
``(online toegang)``. The PDF's links are not inline: each page's link targets are listed
after that page's text, one per line, in reading order. So the only way to know which URL
belongs to which entry is to count, page by page: every entry owns one link, except an
entry whose ``(online`` / ``toegang)`` tail was wrapped over two lines, which owns two
identical links (one per line fragment of the link area). When the count or a pair does
not come out exact the script stops with an error naming the page and the entry rather
than writing a shifted, plausible-looking CSV.

Ids: 1..N in document order. An id is the identity of a register row for the rest of
linkwacht (the store keys check history on it), so once ``register_seed.csv`` is committed
the CSV, not this script, is the source of truth: never renumber, never reuse the id of a
removed row, give a new row ``max(id) + 1``. Re-running this script on a revised document
renumbers everything; use ``--check`` to verify the committed seed instead.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DOCUMENT = REPO_ROOT.parent / "shared" / "seeds" / "000_88a05353a1668a40.txt"
DEFAULT_OUTPUT = REPO_ROOT / "register_seed.csv"
COLUMNS = ("id", "section", "category", "title", "url")

REGISTER_MARKER = "Register"
SECTIONS = ("Informeren", "Sensibiliseren en responsabiliseren", "Handelen")
BULLET = "•"
# The link text every entry ends with; PDF extraction sometimes leaves a "." after it.
TAIL = re.compile(r"\s*\(online\s+toegang\)[\s.]*$")
LINK = re.compile(r"^https?://\S+$")
PAGE_NUMBER = re.compile(r"^\d+$")


class SeedError(Exception):
    """The document does not parse or align exactly; the message says where."""


@dataclass
class RawEntry:
    id: int
    section: str
    category: str
    line: int  # 1-based line of the bullet in the document
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.lines).split())

    @property
    def complete(self) -> bool:
        return TAIL.search(self.text) is not None

    @property
    def title(self) -> str:
        return TAIL.sub("", self.text)

    @property
    def wrapped(self) -> bool:
        """``(online`` ends one line and ``toegang)`` starts the next: two link areas."""
        return (
            len(self.lines) >= 2
            and self.lines[-2].endswith("(online")
            and self.lines[-1].startswith("toegang)")
        )

    def describe(self) -> str:
        title = self.title if len(self.title) <= 70 else self.title[:69] + "…"
        return f"entry {self.id} (line {self.line}: {title!r})"


@dataclass
class Page:
    number: int  # 1-based, counted from the "Register" line
    first_line: int = 0  # first and last non-blank line, 1-based
    last_line: int = 0
    entries: list[RawEntry] = field(default_factory=list)
    links: list[tuple[int, str]] = field(default_factory=list)  # (line, url)

    def describe(self) -> str:
        return f"page {self.number} (document lines {self.first_line}-{self.last_line})"


@dataclass(frozen=True)
class SeedRow:
    id: int
    section: str
    category: str
    title: str
    url: str


def parse_pages(text: str) -> list[Page]:
    """Split the register part of the document into pages of entries and links."""
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == REGISTER_MARKER)
    except StopIteration:
        raise SeedError(f"no line reading {REGISTER_MARKER!r}: is this the register?") from None

    pages: list[Page] = []
    page = Page(number=1)
    section: str | None = None
    category: str | None = None
    entry: RawEntry | None = None  # the entry still waiting for its "(online toegang)"
    next_id = 1

    for lineno, raw in enumerate(lines[start + 1 :], start=start + 2):
        line = raw.strip()
        if not line:
            continue
        if LINK.match(line):
            if entry is not None:
                raise SeedError(
                    f"{page.describe()}: {entry.describe()} has no '(online toegang)' "
                    f"before the page's links start on line {lineno}"
                )
            page.links.append((lineno, line))
            page.last_line = lineno
            continue
        if page.links:  # text after a link block: a new page begins
            pages.append(page)
            page = Page(number=page.number + 1)
        page.first_line = page.first_line or lineno
        page.last_line = lineno
        if PAGE_NUMBER.match(line):
            continue
        if line.startswith(BULLET):
            if entry is not None:
                raise SeedError(
                    f"{page.describe()}: {entry.describe()} has no '(online toegang)' "
                    f"before the next bullet on line {lineno}"
                )
            if section is None or category is None:
                raise SeedError(f"{page.describe()}: bullet on line {lineno} before any category")
            entry = RawEntry(id=next_id, section=section, category=category, line=lineno)
            next_id += 1
            page.entries.append(entry)
            line = line[len(BULLET) :].strip()
        elif line in SECTIONS:
            if entry is not None:
                raise SeedError(
                    f"{page.describe()}: {entry.describe()} has no '(online toegang)' "
                    f"before the section header on line {lineno}"
                )
            section, category = line, None
            continue
        elif entry is None:
            # Anything else outside an entry is a category header, unless it looks like an
            # entry that lost its bullet in the extraction.
            if TAIL.search(line):
                raise SeedError(
                    f"{page.describe()}: line {lineno} ends in '(online toegang)' but has "
                    f"no bullet: {line!r}"
                )
            if section is None:
                raise SeedError(f"line {lineno}: {line!r} comes before the first section")
            category = line
            continue
        entry.lines.append(line)
        if entry.complete:
            entry = None

    if entry is not None:
        raise SeedError(f"{page.describe()}: {entry.describe()} never ends in '(online toegang)'")
    if page.first_line and not page.links:
        raise SeedError(f"{page.describe()}: text after the last page's links, with no links")
    if page.links:
        pages.append(page)
    return pages


def align(pages: Sequence[Page]) -> list[SeedRow]:
    """Give each entry its page's next link(s); any mismatch is fatal."""
    rows: list[SeedRow] = []
    for page in pages:
        wrapped = sum(entry.wrapped for entry in page.entries)
        expected = len(page.entries) + wrapped
        urls = [url for _, url in page.links]
        if len(urls) != expected:
            raise SeedError(
                f"{page.describe()}: {len(page.entries)} entries ({wrapped} with a wrapped "
                f"'(online / toegang)' tail) need {expected} links, found {len(urls)}; "
                + _first_suspect(page)
            )
        position = 0
        for entry in page.entries:
            url = urls[position]
            if entry.wrapped:
                if urls[position + 1] != url:
                    raise SeedError(
                        f"{page.describe()}: {entry.describe()} is wrapped, so its two links "
                        f"must be identical, but they are {url!r} and {urls[position + 1]!r}"
                    )
                position += 1
            position += 1
            rows.append(SeedRow(entry.id, entry.section, entry.category, entry.title, url))
    return rows


def _first_suspect(page: Page) -> str:
    """Best guess at where a link went missing: the first wrapped pair that differs."""
    urls = [url for _, url in page.links]
    position = 0
    for entry in page.entries:
        if position >= len(urls):
            return f"the links run out at {entry.describe()}"
        if entry.wrapped:
            if position + 1 >= len(urls) or urls[position + 1] != urls[position]:
                return f"the alignment first breaks at or before {entry.describe()}"
            position += 1
        position += 1
    first, last = page.entries[0], page.entries[-1]
    return f"the page runs from {first.describe()} to {last.describe()}"


def build_rows(text: str) -> list[SeedRow]:
    pages = parse_pages(text)
    if not pages or not any(page.entries for page in pages):
        raise SeedError("no entries found after the 'Register' line")
    for page in pages:
        if not page.entries:
            raise SeedError(f"{page.describe()}: links without any entry")
    return align(pages)


def render_csv(rows: Sequence[SeedRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.id, row.section, row.category, row.title, row.url])
    return buffer.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("document", nargs="?", type=Path, default=DEFAULT_DOCUMENT)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="compare with --output instead of writing it"
    )
    args = parser.parse_args(argv)

    try:
        text = args.document.read_text(encoding="utf-8")
        rows = build_rows(text)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"build_seed: error: cannot read {args.document}: {exc}", file=sys.stderr)
        return 1
    except SeedError as exc:
        print(f"build_seed: error: {args.document}: {exc}", file=sys.stderr)
        return 1

    content = render_csv(rows)
    if args.check:
        try:
            current = args.output.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"build_seed: error: cannot read {args.output}: {exc}", file=sys.stderr)
            return 1
        if current != content:
            print(f"build_seed: {args.output} differs from {args.document}", file=sys.stderr)
            return 1
        print(f"{args.output} matches {args.document} ({len(rows)} entries)")
        return 0

    with args.output.open("w", encoding="utf-8", newline="") as out:
        out.write(content)
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        counts[row.section, row.category] = counts.get((row.section, row.category), 0) + 1
    print(f"wrote {len(rows)} entries to {args.output}")
    for (section, category), count in counts.items():
        print(f"  {count:3d}  {section} / {category}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
