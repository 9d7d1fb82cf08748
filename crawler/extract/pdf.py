"""Title and language of a PDF, and a process sandbox to read untrusted PDFs in.

Parsing (pypdf) and judging are split: :func:`_parse_pdf` turns bytes into plain facts
(metadata title, /Lang, the first pages' text) and is what runs in the sandbox;
:func:`_finish` applies the language detector to those facts in the calling process, so the
~140 MB detector is never loaded per PDF and never counts against the sandbox's memory cap.

Why a fresh ``subprocess`` per PDF rather than ``multiprocessing``: the crawler's process has
threads (the reactor/event loop, lingua, thread pools), so ``fork`` is out; ``spawn`` and
``forkserver`` re-import the parent's ``__main__`` in the child and pickle across a pipe whose
failure modes (a worker killed mid-message) surface as hangs or BrokenProcessPool. A plain
child interpreter that reads the body on stdin and prints JSON shares no state with the
crawler, is killed outright on timeout, and its death (signal, MemoryError, garbage output)
is just a return code to map to a note. It costs ~0.15 s of interpreter start per PDF, small
next to fetching one. The memory and CPU limits are set by the child on itself before it
reads the body (``preexec_fn`` is not safe in a threaded parent).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import signal
import subprocess
import sys
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.extract._text import clean_title, collapse_whitespace, normalise_language
from crawler.extract.language import MAX_CHARS, decide_language
from crawler.model import Extraction

if TYPE_CHECKING:
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

# pypdf (16 MB) is imported in the process that parses, not by everyone who imports this.

__all__ = ["extract_pdf", "extract_pdf_isolated"]

_MAX_TEXT_PAGES = 3
_HEADER_WINDOW = 1024  # like Acrobat, accept junk before "%PDF-"
_EOF_WINDOW = 2048  # "%%EOF" must be this close to the end of a complete file
_MAX_SCANNED_OBJECTS = 10_000

NOTE_TRUNCATED = "pdf_truncated"
NOTE_ENCRYPTED = "pdf_encrypted"
UNPARSABLE = "pdf_unparsable"


@dataclass(slots=True)
class _PdfFacts:
    """What the sandboxed parser reports: JSON-serialisable, no judgement applied."""

    title: str | None = None
    title_source: str | None = None
    declared_language: str | None = None
    text: str = ""
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, raw: bytes) -> _PdfFacts:
        data = json.loads(raw)

        def text_or_none(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        notes = data.get("notes")
        return cls(
            title=text_or_none("title"),
            title_source=text_or_none("title_source"),
            declared_language=text_or_none("declared_language"),
            text=text_or_none("text") or "",
            notes=[n for n in notes if isinstance(n, str)] if isinstance(notes, list) else [],
        )


# --- junk metadata titles ------------------------------------------------------------------

_OFFICE_PREFIX = re.compile(
    r"^(?:microsoft\s+)?(?:word|powerpoint|excel|office\s+word)\s+-\s+", re.IGNORECASE
)
_FILE_EXTENSION = re.compile(
    r"\.(?:docx?|dotx?|odt|ott|rtf|txt|pdf|pptx?|ppsx?|odp|xlsx?|ods|indd|idml|qxd|qxp|pub"
    r"|tex|dvi|e?ps|ai|psd|html?|xml|wpd|pages|key|tmp|jpe?g|png|gif|tiff?)$",
    re.IGNORECASE,
)
_PATH = re.compile(r"^(?:[a-z]:\\|\\\\|/|~/|file:)", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"^(?:untitled|sans\s+titre|naamloos|zonder\s+titel|ohne\s+titel|unbenannt|no\s+title"
    r"|titel|title|titre|document|doc|presentation|présentation|presentatie"
    r"|powerpoint[\s-]+presentat\w*|diapositive|slide|layout|anonymous|unknown|none|null"
    r"|default|test|page|blank)[\s_-]*\d*$",
    re.IGNORECASE,
)


def _useful_title(raw: str | None) -> str | None:
    """A metadata title worth showing, or None for placeholders and file names."""
    title = clean_title(raw)
    if title is None:
        return None
    title = _OFFICE_PREFIX.sub("", title).strip()
    if (
        not title
        or "\ufffd" in title  # mis-decoded bytes
        or not any(c.isalpha() for c in title)  # "-", "1", "___"
        or _PLACEHOLDER.match(title)
        or _FILE_EXTENSION.search(title)
        or _PATH.match(title)
        or ("_" in title and " " not in title)  # "jaarverslag_2023_v3_def"
    ):
        return None
    return title


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        title = clean_title(line)
        if title and sum(c.isalpha() for c in title) >= 2:  # not a page number or a bullet
            return title
    return None


# --- parsing --------------------------------------------------------------------------------


def _is_truncated(body: bytes) -> bool:
    return b"%%EOF" not in body[-_EOF_WINDOW:]


_OBJECT_HEADER = re.compile(rb"(?<![0-9])([0-9]{1,7})\s+[0-9]{1,5}\s+obj\b")


def _with_synthetic_trailer(body: bytes) -> tuple[bytes, int]:
    """A truncated body plus a trailer that makes pypdf rebuild the cross-reference table by
    scanning (startxref 0 is invalid) and look for the catalog among the objects we have."""
    numbers = [int(m.group(1)) for m in _OBJECT_HEADER.finditer(body)]
    size = max(numbers, default=0) + 1
    return body + b"\ntrailer\n<< /Size %d >>\nstartxref\n0\n%%%%EOF\n" % size, size


def _info_by_scan(reader: PdfReader, size: int) -> DictionaryObject | None:
    """The document information dictionary of a file whose trailer is lost: a dict with a
    /Title and producer-ish keys that is neither an outline item nor a typed object."""
    from pypdf.generic import DictionaryObject

    for number in range(1, min(size, _MAX_SCANNED_OBJECTS)):
        try:
            obj = reader.get_object(number)
        except Exception:
            continue
        if (
            isinstance(obj, DictionaryObject)
            and "/Title" in obj
            and "/Type" not in obj
            and "/Parent" not in obj
            and any(k in obj for k in ("/Producer", "/Creator", "/Author", "/CreationDate"))
        ):
            return obj
    return None


def _text_value(value: Any) -> str | None:
    try:
        value = value.get_object() if hasattr(value, "get_object") else value
    except Exception:
        return None
    if value is None:
        return None
    text = str(value)
    return text or None


def _unparsable(exc: BaseException) -> str:
    return f"{UNPARSABLE}: {type(exc).__name__}: {collapse_whitespace(str(exc))}"[:300]


def _parse_pdf(body: bytes) -> _PdfFacts:
    """Metadata and first pages of a PDF; problems become notes, never exceptions (apart from
    MemoryError and the like, which the caller handles)."""
    from pypdf import PasswordType, PdfReader

    facts = _PdfFacts()
    if not body:
        facts.notes.append(f"{UNPARSABLE}: empty body")
        return facts
    if b"%PDF-" not in body[:_HEADER_WINDOW]:
        facts.notes.append(f"{UNPARSABLE}: not a PDF (no %PDF header)")
        return facts

    data, size = body, 0
    if _is_truncated(body):
        facts.notes.append(NOTE_TRUNCATED)
        data, size = _with_synthetic_trailer(body)

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        # Many PDFs are encrypted only to restrict printing/copying, with an empty user
        # password; those open. Others need a password we do not have.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            facts.notes.append(NOTE_ENCRYPTED)
            return facts
        root = reader.root_object
    except MemoryError:
        raise
    except Exception as exc:
        facts.notes.append(_unparsable(exc))
        return facts

    # Title from the document information dictionary, else XMP dc:title.
    try:
        info = reader.metadata if not size else _info_by_scan(reader, size)
        if info is not None:
            title = _useful_title(_text_value(info.get("/Title")))
            if title:
                facts.title, facts.title_source = title, "pdf_metadata"
    except Exception:
        pass
    if facts.title is None:
        try:
            xmp = reader.xmp_metadata
            dc_title = xmp.dc_title if xmp is not None else None
            if dc_title:
                title = _useful_title(dc_title.get("x-default") or next(iter(dc_title.values())))
                if title:
                    facts.title, facts.title_source = title, "pdf_metadata"
        except Exception:
            pass

    with contextlib.suppress(Exception):
        facts.declared_language = normalise_language(_text_value(root.get("/Lang")))

    # The first pages' text: for the language detector and, failing metadata, the title.
    parts: list[str] = []
    size_so_far = 0
    try:
        for page in reader.pages[:_MAX_TEXT_PAGES]:
            try:
                page_text = page.extract_text() or ""
            except MemoryError:
                raise
            except Exception:
                continue
            parts.append(page_text)
            size_so_far += len(page_text)
            if size_so_far >= MAX_CHARS * 2:
                break
    except MemoryError:
        raise
    except Exception as exc:  # a broken page tree: keep the metadata we have
        if not parts and facts.title is None:
            facts.notes.append(_unparsable(exc))
    raw_text = "\n".join(parts)
    if facts.title is None:
        line = _first_line(raw_text)
        if line:
            facts.title, facts.title_source = line, "pdf_text"
    facts.text = collapse_whitespace(raw_text)[: MAX_CHARS * 2]
    return facts


def _finish(facts: _PdfFacts) -> Extraction:
    language, source, language_notes = decide_language(
        facts.declared_language, "pdf_lang", facts.text
    )
    return Extraction(
        title=facts.title,
        title_source=facts.title_source if facts.title else None,
        language=language,
        language_source=source,
        notes=(*facts.notes, *language_notes),
    )


def extract_pdf(body: bytes) -> Extraction:
    """Title and language of a PDF, in this process (use :func:`extract_pdf_isolated` for
    untrusted input). Title: metadata /Title unless junk, else XMP dc:title, else the first
    line of text ("pdf_metadata" / "pdf_text"). Language: catalog /Lang ("pdf_lang") weighed
    against the detector over the first pages' text, as for HTML."""
    try:
        facts = _parse_pdf(body)
    except Exception as exc:  # incl. MemoryError and RecursionError
        facts = _PdfFacts(notes=[f"{UNPARSABLE}: {type(exc).__name__}"])
    return _finish(facts)


# --- the sandbox ----------------------------------------------------------------------------

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
# The child imports the very code the parent runs, installed or not. "-c" rather than
# "-m crawler.extract.pdf": the package __init__ imports this module, so runpy would run
# a second copy of it (and warn).
_WORKER_CODE = (
    f"import sys; sys.path.insert(0, {_PACKAGE_ROOT!r}); "
    "from crawler.extract.pdf import _worker_main; _worker_main()"
)
_EXIT_MEMORY = 3


def _failure(reason: str, body: bytes) -> Extraction:
    notes = [NOTE_TRUNCATED] if _is_truncated(body) else []
    return Extraction(notes=(*notes, f"{UNPARSABLE}: {reason}"))


def _describe_exit(returncode: int, stderr: bytes) -> str:
    if returncode == _EXIT_MEMORY:
        return "memory limit exceeded"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        if name == "SIGXCPU":
            return "cpu time limit exceeded"
        return f"worker killed by {name}"
    last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return f"worker exited with {returncode} {last[0][:200]}".rstrip()


def extract_pdf_isolated(body: bytes, *, timeout_s: float = 10, memory_mb: int = 512) -> Extraction:
    """:func:`extract_pdf` in a child process limited to ``timeout_s`` of wall time and
    ``memory_mb`` of address space (the body itself and the interpreter, ~60 MB, count).

    A PDF that hangs, crashes or exhausts memory yields an Extraction with no title and a
    note "pdf_unparsable: ..." instead of taking the crawler down. Blocks the calling thread
    for up to ``timeout_s``: from async code, run it in an executor.
    """
    if not body or b"%PDF-" not in body[:_HEADER_WINDOW]:
        return _finish(_parse_pdf(body))  # trivial verdicts need no process

    cpu_s = max(1, int(timeout_s) + 1)  # backstop should the parent vanish
    try:
        done = subprocess.run(
            [sys.executable, "-c", _WORKER_CODE, str(int(memory_mb)), str(cpu_s)],
            input=body,
            capture_output=True,
            timeout=timeout_s,
            start_new_session=True,  # no terminal signals; killed by us alone
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _failure(f"timeout after {timeout_s:g} s", body)
    except OSError as exc:
        return _failure(f"worker could not start ({exc})", body)

    if done.returncode != 0:
        return _failure(_describe_exit(done.returncode, done.stderr), body)
    try:
        facts = _PdfFacts.from_json(done.stdout)
    except ValueError:
        return _failure("worker wrote no result", body)
    return _finish(facts)


def _worker_main() -> None:
    """Child side: ``argv = [memory_mb, cpu_s]``, PDF bytes on stdin, _PdfFacts JSON on stdout."""
    import resource

    memory_mb, cpu_s = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # broken PDFs are chatty
    warnings.simplefilter("ignore")

    try:
        body = sys.stdin.buffer.read()
        facts = _parse_pdf(body)
    except MemoryError:
        facts = None
    except RecursionError as exc:
        facts = _PdfFacts(notes=[f"{UNPARSABLE}: {type(exc).__name__}"])
    if facts is None:
        sys.exit(_EXIT_MEMORY)
    sys.stdout.write(json.dumps(asdict(facts)))
    sys.stdout.flush()


if __name__ == "__main__":  # by hand: python -m crawler.extract.pdf 512 11 < file.pdf
    _worker_main()
