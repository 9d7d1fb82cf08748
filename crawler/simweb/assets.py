"""Bodies the simulated sites serve: HTML, real PDFs, a zip, a PNG and a gzip bomb.

Everything is built in memory, deterministically, and cached per process, so starting a
``SimWeb`` stays cheap and two runs serve byte-identical resources.
"""

from __future__ import annotations

import functools
import html
import io
import struct
import zipfile
import zlib

# Enough running text per language for a language detector to be sure.
TEXT: dict[str, tuple[str, ...]] = {
    "nl": (
        "Online gendergerelateerd geweld omvat alle vormen van geweld die tegen een persoon "
        "worden gepleegd vanwege zijn, haar of hun gender, en die online of met behulp van "
        "technologie worden gepleegd.",
        "Deze pagina bundelt informatie, vormingen en hulpmiddelen voor jongeren, ouders en "
        "professionals die met sexting, cyberpesten en grensoverschrijdend gedrag te maken "
        "krijgen. Neem gerust contact met ons op als je vragen hebt.",
        "Wij werken samen met scholen, jeugdwerk en hulpverlening in heel Vlaanderen en Brussel.",
    ),
    "fr": (
        "Le cyberharcèlement désigne l'ensemble des violences commises en ligne ou au moyen des "
        "technologies numériques contre une personne en raison de son genre.",
        "Cette page rassemble des informations, des formations et des outils pédagogiques pour "
        "les jeunes, les parents et les professionnels confrontés au sexting et au harcèlement "
        "sexiste en ligne. N'hésitez pas à nous contacter pour toute question.",
        "Nous travaillons avec les écoles, les maisons de jeunes et les services d'aide en "
        "Wallonie et à Bruxelles.",
    ),
    "en": (
        "Cyber violence against women and girls includes all forms of gender-based violence "
        "that are committed online or by means of digital technology.",
        "This page brings together information, training and practical tools for young people, "
        "parents and professionals who deal with sexting, online harassment and abuse. Please "
        "do not hesitate to contact us with any questions.",
        "We work with schools, youth services and support organisations across Europe.",
    ),
}


def html_page(
    title: str | None,
    *,
    lang: str | None = None,
    text_lang: str = "nl",
    h1: str | None = None,
    head_extra: str = "",
    body_extra: str = "",
    raw_title: str | None = None,
    meta_charset: str | None = "utf-8",
    paragraphs: tuple[str, ...] | None = None,
) -> str:
    """A plausible page. ``raw_title`` is inserted verbatim (for markup-in-title cases)."""
    lang_attr = f' lang="{lang}"' if lang else ""
    if raw_title is not None:
        title_el = f"<title>{raw_title}</title>"
    elif title is not None:
        title_el = f"<title>{html.escape(title, quote=False)}</title>"
    else:
        title_el = ""
    paras = "\n".join(
        f"<p>{html.escape(p, quote=False)}</p>" for p in (paragraphs or TEXT[text_lang])
    )
    meta = f'<meta charset="{meta_charset}">\n' if meta_charset else ""
    heading = f"<h1>{html.escape(h1, quote=False)}</h1>" if h1 else ""
    return (
        "<!DOCTYPE html>\n"
        f"<html{lang_attr}>\n<head>\n{meta}"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{title_el}\n{head_extra}"
        '<link rel="stylesheet" href="/assets/site.css">\n'
        "</head>\n<body>\n"
        '<nav><a href="/">Home</a> | <a href="/contact">Contact</a></nav>\n'
        f"<main>\n{heading}\n{paras}\n{body_extra}</main>\n"
        "<footer>&copy; 2024</footer>\n"
        '<script src="/assets/site.js" defer></script>\n'
        "</body>\n</html>\n"
    )


def not_found_page(server: str) -> str:
    """The kind of 404 body real servers send: an HTML page, not an empty answer."""
    if server.startswith("Apache"):
        return (
            '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
            "<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n"
            "<p>The requested URL was not found on this server.</p>\n</body></html>\n"
        )
    return (
        "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
        "<center><h1>404 Not Found</h1></center>\r\n"
        f"<hr><center>{html.escape(server.lower())}</center>\r\n</body>\r\n</html>\r\n"
    )


def error_page(status: int, reason: str) -> str:
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
    )


def youtube_page(title: str, video_id: str) -> str:
    """A YouTube-like watch page: the UI language, not the video's, is in <html lang>."""
    t = html.escape(title)
    return (
        '<!DOCTYPE html><html style="font-size: 10px" lang="en" system-icons typography>'
        "<head>"
        f"<title>{t} - YouTube</title>"
        f'<meta name="title" content="{t}">'
        f'<meta property="og:title" content="{t}">'
        '<meta property="og:type" content="video.other">'
        f'<meta property="og:url" content="https://www.youtube.com/watch?v={video_id}">'
        f'<meta property="og:video:url" content="https://www.youtube.com/embed/{video_id}">'
        f'<link rel="canonical" href="https://www.youtube.com/watch?v={video_id}">'
        "<script>var ytcfg={};window.ytInitialPlayerResponse={};</script>"
        "</head><body><ytd-app></ytd-app>"
        + "<script>/* player bootstrap */</script>" * 20
        + "</body></html>"
    )


def youtube_unavailable_page(video_id: str) -> str:
    """What YouTube serves, with status 200, for a deleted or removed video."""
    return (
        '<!DOCTYPE html><html style="font-size: 10px" lang="en" system-icons typography>'
        "<head><title> - YouTube</title>"
        '<meta property="og:site_name" content="YouTube">'
        '<script>var ytcfg={};window.ytInitialPlayerResponse={"playabilityStatus":'
        '{"status":"ERROR","reason":"Video unavailable"}};</script>'
        "</head><body><ytd-app></ytd-app>"
        + "<script>/* player bootstrap */</script>" * 20
        + "</body></html>"
    )


@functools.lru_cache(maxsize=256)
def pdf_bytes(
    title: str | None, lang: str | None = None, text_lang: str = "fr", heading: str = ""
) -> bytes:
    """A real PDF (reportlab) with optional /Title metadata and optional /Lang."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True, lang=lang)
    # reportlab writes "untitled" when no title is set; an empty title is what real
    # title-less PDFs look like to a reader.
    c.setTitle(title or "")
    c.setAuthor("SimWeb")
    c.setCreator("Microsoft Word")
    y = 780
    if heading:
        c.setFont("Helvetica-Bold", 16)
        c.drawString(60, y, heading[:80])
        y -= 30
    c.setFont("Helvetica", 11)
    for para in TEXT[text_lang]:
        words = para.split()
        line = ""
        for w in words:
            if len(line) + len(w) > 85:
                c.drawString(60, y, line)
                y -= 15
                line = ""
            line = f"{line} {w}".strip()
        c.drawString(60, y, line)
        y -= 25
    c.showPage()
    c.drawString(60, 780, "2")
    c.showPage()
    c.save()
    return buf.getvalue()


@functools.lru_cache(maxsize=8)
def zip_bytes(names: tuple[str, ...] = ("template_dader.docx", "template_getuige.docx")) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(2022, 3, 1, 12, 0, 0))
            z.writestr(info, ("\n".join(TEXT["nl"]) + "\n") * 20)
    return buf.getvalue()


@functools.lru_cache(maxsize=4)
def png_bytes(width: int = 64, height: int = 48) -> bytes:
    """A valid RGB PNG: a simple gradient."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 4 % 256, y * 5 % 256, 160)) for x in range(width))
        for y in range(height)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


GZIP_BOMB_MIB = 1024  # decompressed size: 1 GiB of zeros


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """One gzip member inflating to ``GZIP_BOMB_MIB`` MiB of zeros, about 1 MB on the wire.

    Never holds the inflated data: one MiB of zeros is deflated with a full flush, which
    resets the compressor, so every further MiB deflates to the very same bytes and can be
    repeated. The trailer's CRC-32 is computed over the repeated MiB, not over a 1 GiB buffer.
    """
    mib = bytes(1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(mib) + comp.flush(zlib.Z_FULL_FLUSH)
    steady = comp.compress(mib) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(GZIP_BOMB_MIB):
        crc = zlib.crc32(mib, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name, mtime 0, max comp.
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, (GZIP_BOMB_MIB << 20) & 0xFFFFFFFF)
    return header + first + steady * (GZIP_BOMB_MIB - 1) + tail + trailer


def soft_404_wordpress() -> str:
    """A WordPress theme's 404 template, as some hosts serve it: with status 200."""
    menu = "".join(
        f'<li><a href="/{p}/">{p.title()}</a></li>'
        for p in ("over-ons", "publicaties", "vorming", "contact")
    )
    return (
        '<!DOCTYPE html><html lang="nl-BE"><head><meta charset="UTF-8">'
        "<title>Pagina niet gevonden &#8211; Vrouwenraad</title>"
        '<link rel="stylesheet" href="/wp-content/themes/vr/style.css"></head>'
        '<body class="error404"><header><nav><ul>' + menu + "</ul></nav></header>"
        '<main id="primary"><section class="error-404 not-found">'
        '<h1 class="page-title">Oeps! Die pagina kan niet gevonden worden.</h1>'
        "<p>Het lijkt erop dat er niets gevonden werd op deze locatie. "
        "Probeer misschien een zoekopdracht?</p>"
        '<form role="search" action="/"><input type="search" name="s"></form>'
        "</section></main><footer>&copy; Vrouwenraad</footer></body></html>"
    )


def catchall_home() -> str:
    """A small CMS whose every unknown address shows the home page (status 200)."""
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        "<title>Accueil - Collectif contre le cyberharcèlement</title></head><body>"
        "<nav><a href='/'>Accueil</a> <a href='/docs/'>Documents</a></nav>"
        "<main><h1>Bienvenue</h1><p>Notre collectif accompagne les victimes de "
        "cyberharcèlement et forme les professionnels de l'enseignement et de la jeunesse. "
        "Vous trouverez ici nos brochures, nos formations et nos contacts pour obtenir de "
        "l'aide rapidement et en toute confidentialité.</p></main></body></html>"
    )


def parked_page(domain: str) -> str:
    """A registrar's parking page for a lapsed domain (Sedo-like)."""
    links = "".join(
        f'<li><a href="https://ww1.{domain}/search?q={q}">{q}</a></li>'
        for q in ("Online Dating", "Cheap Flights", "Insurance Quotes", "Web Hosting")
    )
    return (
        f"<!DOCTYPE html><html><head><title>{domain} - This domain is for sale</title>"
        '<script src="https://img.sedoparking.com/templates/js/ads.js"></script></head><body>'
        f"<h1>{domain}</h1><p>This domain may be for sale! "
        f'<a href="https://sedo.com/search/details/?domain={domain}">Buy this domain</a></p>'
        f"<h2>Related searches</h2><ul>{links}</ul></body></html>"
    )


def live_page_mentioning_404() -> str:
    """A live article that talks about '404 not found' errors in passing."""
    para = (
        "<p>Wie op het internet surft, komt soms de foutmelding 404 Not Found tegen. Dat "
        "betekent dat een pagina verplaatst of verwijderd werd. In dit artikel leggen we uit "
        "hoe je zulke dode links herkent, waarom websites ze soms niet goed melden en wat je "
        "kunt doen om toch de juiste informatie over online veiligheid te vinden.</p>"
    )
    return (
        '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
        "<title>Foutmeldingen op het web uitgelegd | Mediawijs</title></head><body>"
        "<main><article><h1>Foutmeldingen op het web uitgelegd</h1>"
        + para * 4
        + "</article></main></body></html>"
    )
