"""register_seed.csv and tools/build_seed.py, checked against the register document.

The pairs below were verified by reading the document: the page text and the link list
printed after it, counting entries and wrapped "(online / toegang)" tails.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "register_seed.csv"
SCRIPT = ROOT / "tools" / "build_seed.py"
DOCUMENT = ROOT.parent / "shared" / "seeds" / "000_88a05353a1668a40.txt"
MINI = Path(__file__).parent / "data" / "register" / "mini_register.txt"

needs_document = pytest.mark.skipif(
    not DOCUMENT.is_file(),
    reason=f"register document not available at {DOCUMENT} (outside the repository)",
)


def read_seed() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["id", "section", "category", "title", "url"]
        return list(reader)


def run_script(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


# == The committed CSV ============================================================

# In document order: (section, category, entries).
EXPECTED_GROUPS = [
    ("Informeren", "Artikels et monografieën", 6),
    ("Informeren", "Onderzoeken, studies en analyses", 14),
    ("Informeren", "Brochures", 2),
    ("Informeren", "Andere", 4),
    ("Sensibiliseren en responsabiliseren", "Preventie- en sensibiliseringscampagnes", 3),
    ("Sensibiliseren en responsabiliseren", "Opleiding en seminars", 13),
    ("Sensibiliseren en responsabiliseren", "Hulpbronnen en tools", 30),
    ("Handelen", "Overheidsinstanties", 2),
    ("Handelen", "Verenigingen en groeperingen", 11),
    ("Handelen", "Persoonlijk, telefonisch en/of online onthaal", 4),
    ("Handelen", "Hulpbronnen", 5),
]


def test_counts_per_section() -> None:
    counts = Counter(row["section"] for row in read_seed())
    assert counts == {
        "Informeren": 26,
        "Sensibiliseren en responsabiliseren": 46,
        "Handelen": 22,
    }
    assert sum(counts.values()) == 94


def test_categories_in_document_order_with_their_counts() -> None:
    groups: list[tuple[str, str, int]] = []
    for row in read_seed():
        if groups and groups[-1][:2] == (row["section"], row["category"]):
            groups[-1] = (row["section"], row["category"], groups[-1][2] + 1)
        else:
            groups.append((row["section"], row["category"], 1))
    # Each category is one contiguous run: nothing was reordered or split off.
    assert groups == EXPECTED_GROUPS


def test_ids_are_1_to_94_in_order() -> None:
    assert [int(row["id"]) for row in read_seed()] == list(range(1, 95))


# (id, title, url) verified by reading the document.
VERIFIED = [
    # "(online" / "toegang)" wrapped: two identical links, one entry.
    (
        1,
        "BENDIB, Revenge porn, Namen, Femmes de droit, gepubliceerd in januari 2021",
        "https://femmesdedroit.be/informations-juridiques/abecedaire/elementor-4371/",
    ),
    (
        4,
        "GOZIAN, Le harcèlement virtuel, Brussel, Yapaka, 2018 (Temps d’arrêt lectures)",
        "https://www.yapaka.be/sites/yapaka.be/files/publication/ta_105-harcelement-gozlan-web_0.pdf",
    ),
    (
        5,
        "MINON, Abus sexuels en ligne, les outils préventifs de Child Focus, L'observatoire, "
        "n° 110, gepubliceerd in april 2022",
        "https://revueobservatoire.be/Abus-sexuels-en-ligne-les-outils-preventifs-de-Child-Focus"
        "?return=publication",
    ),
    # "(online toegang)" alone on the next line is not a wrap: one link.
    (
        6,
        "MINOTTE, Coopérer autour des écrans, Bruxelles, Yapaka, 2017 (Temps d’arrêt lectures)",
        "https://www.yapaka.be/sites/yapaka.be/files/publication/ta_96_web_def_0.pdf",
    ),
    (
        11,
        "DE SALLE, WARTEL et MARHRAOUI, Le cyberharcèlement des enfants et des adolescents, "
        "Brussel, Centre Jean Gol, 2016",
        "https://www.mr.be/wp-content/uploads/2019/09/CJG-ETUDE-Harce%CC%80lement.pdf",
    ),
    # First entry of page 2: still "Onderzoeken, studies en analyses".
    (
        13,
        "#Génération2020 – Les usages des écrans chez les moins de 20 ans, Brussel, "
        "Média Animation asbl, 2021",
        "https://media-animation.be/IMG/pdf/20211012_g2020_eam_pdfweb.pdf",
    ),
    (
        18,
        "ROUSSEAU, Lutte contre le cyberharcèlement : état des lieux, réflexions et propositions "
        "d'outils juridiques à mettre en place (Mémoire de Master en Droit, Finalité Justice "
        "Civile et Pénale), Louvain-la-Neuve, Université catholique de Louvain, 2019",
        "https://dial.uclouvain.be/memoire/ucl/en/object/thesis%3A20397",
    ),
    (
        19,
        "VAN DER WILK, Cyber violence and hate speech online against women, Brussel, European "
        "Parliament. Policy Department for Citizens' Rights and Constitutional Affairs, 2018",
        "https://amazone2.ideesculture.fr/media_temp/docstore_cc2619_891.pdf",
    ),
    # "Andere" is the last line of page 2; its entries are on page 3.
    (
        23,
        "Documentaire Le sexting – Moules Frites door Child Focus en O’Yes",
        "https://www.youtube.com/watch?v=ScSD5d6pYvk",
    ),
    # The same URL for two entries in different sections.
    (25, "Online platform Wat Wat", "https://www.watwat.be/"),
    (89, "Wat Wat", "https://www.watwat.be/"),
    (
        29,
        "Campagne Stop Cyberhate door de Federale Politie, in samenwerking met het Institut "
        "supérieur de formation sociale et de communication en de beleidscel Gelijke Kansen",
        "https://www.police.be/5318/fr/actualites/stop-cyberhte",
    ),
    # First entry of page 4: still "Opleiding en seminars".
    (
        42,
        "Webinar Spannend ! Over online seksualiteit verkennen door Child Focus en Gezinsbond",
        "https://veiligonline.be/spannend-over-online-seksualiteit-verkennen",
    ),
    (
        53,
        "Handleiding Sensoa Vlaggensysteem voor kinderen en jongeren door Sensoa",
        "https://www.sensoa.be/materiaal/sensoa-vlaggensysteem-voor-kinderen-en-jongeren-methodiek",
    ),
    # The internationalised domain, kept as written.
    (
        59,
        "Online tool Parents connectés door Média Animation",
        "https://www.parentsconnectés.be/theme/relations-sexualite?age%5B0%5D=12",
    ),
    (
        64,
        "Voorbereiding op de cursus Sexting @ school door Child Focus",
        "https://childfocus.be/Portals/0/Lesspakket/sexting_frans_digitaal_2021.pdf"
        "?ver=rKc8DErQNjRZ1vnNOsMhdg%3D%3D",
    ),
    (
        66,
        "Educatief hulpmiddel De mots à mots : comprendre, reconnaître et agir contre le "
        "cyberharcèlement door Child Focus",
        "https://childfocus.be/Portals/0/Dossier%20p%C3%A9dagogique%20Cyberharc%C3%A8lement/"
        "Dossier_FR.pdf?ver=I7aLEmI__FKd5FkaMWvX_w%3d%3d",
    ),
    (
        68,
        "Educatief hulpmiddel Le harcèlement sexiste virtuel, c’est RÉEL! door Sofélia",
        "https://www.sofelia.be/product/dossier-pedagogique-le-harcelement-sexiste-virtuel-cest-reel-fond-colore/",
    ),
    (80, "Punt.", "https://www.puntvzw.be/"),  # the "." is part of the name
    # First entry after the page number "8": still "Verenigingen en groeperingen".
    (82, "Sofélia", "https://www.sofelia.be/"),
    # The last entry.
    (
        94,
        "Templates voor daders, getuigen of slachtoffers van online seksuele intimidatie door "
        "het Instituut voor de gelijkheid van vrouwen en mannen",
        "https://igvm-iefh.belgium.be/sites/default/files/downloads/template_revenge-porn_nl.zip",
    ),
]


@pytest.mark.parametrize(("entry_id", "title", "url"), VERIFIED)
def test_verified_entries(entry_id: int, title: str, url: str) -> None:
    row = read_seed()[entry_id - 1]
    assert (int(row["id"]), row["title"], row["url"]) == (entry_id, title, url)


def test_page_break_entries_keep_their_category() -> None:
    rows = read_seed()
    assert rows[13 - 1]["category"] == "Onderzoeken, studies en analyses"
    assert rows[23 - 1]["category"] == "Andere"
    assert rows[42 - 1]["category"] == "Opleiding en seminars"
    assert rows[64 - 1]["category"] == "Hulpbronnen en tools"
    assert rows[82 - 1]["category"] == "Verenigingen en groeperingen"


def test_titles_are_clean() -> None:
    for row in read_seed():
        title = row["title"]
        assert "(online" not in title and "toegang" not in title, row
        assert not title.startswith("•"), row
        assert title == " ".join(title.split()), row


def test_only_watwat_is_shared() -> None:
    counts = Counter(row["url"] for row in read_seed())
    assert {url: n for url, n in counts.items() if n > 1} == {"https://www.watwat.be/": 2}


def test_file_format() -> None:
    raw = SEED.read_bytes()
    assert raw.startswith(b"id,section,category,title,url\n")
    assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\n")
    raw.decode("utf-8")


# == The script against the real document =========================================


@needs_document
def test_every_url_is_byte_for_byte_from_the_document() -> None:
    document = DOCUMENT.read_bytes()
    lines = set(document.splitlines())
    for row in read_seed():
        assert row["url"].encode("utf-8") in lines, row


@needs_document
def test_script_reproduces_the_committed_csv(tmp_path: Path) -> None:
    out = tmp_path / "seed.csv"
    result = run_script(DOCUMENT, "--output", out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == SEED.read_bytes()
    assert "wrote 94 entries" in result.stdout

    check = run_script(DOCUMENT, "--check")
    assert check.returncode == 0, check.stderr


def tamper(source: Path, target: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"tamper target {old!r} not unique"
    target.write_text(text.replace(old, new), encoding="utf-8")
    return target


@needs_document
@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # COLLARD's link removed from page 1: the shift shows at GOZIAN's wrapped pair.
        (
            "https://media-animation.be/Cyberharcelement-un-harcelement-2-0.html\n",
            "",
            [
                "page 1 (document lines 44-112)",
                "12 entries (2 with a wrapped '(online / toegang)' tail) need 14 links, found 13",
                "entry 4 (line 64: 'GOZIAN, Le harcèlement virtuel",
            ],
        ),
        # The last page loses its last link.
        (
            "https://igvm-iefh.belgium.be/sites/default/files/downloads/template_revenge-porn_nl.zip\n",
            "",
            ["page 6", "need 13 links, found 12", "the links run out at entry 94"],
        ),
        # Same count, but a wrapped entry's pair no longer matches.
        (
            "https://www.police.be/5318/fr/actualites/stop-cyberhte\nhttps://www.police.be/",
            "https://www.police.be/5318/fr/actualites/stop-cyberhte\nhttps://www.politie.be/",
            ["page 3", "entry 29 (line 212: 'Campagne Stop Cyberhate", "must be identical"],
        ),
        # An extra link on page 5.
        (
            "https://questionsante.org/\n",
            "https://questionsante.org/\nhttps://example.be/stray\n",
            ["page 5", "need 19 links, found 20"],
        ),
    ],
)
def test_script_fails_loudly_on_a_tampered_document(
    tmp_path: Path, old: str, new: str, expected: list[str]
) -> None:
    document = tamper(DOCUMENT, tmp_path / "register.txt", old, new)
    out = tmp_path / "seed.csv"
    result = run_script(document, "--output", out)
    assert result.returncode != 0
    assert result.stderr.startswith(f"build_seed: error: {document}: ")
    for fragment in expected:
        assert fragment in result.stderr
    assert not out.exists()  # nothing half-written


# == The script on a small fixture (runs without the shared document) ============


def test_script_on_the_fixture_document(tmp_path: Path) -> None:
    out = tmp_path / "seed.csv"
    result = run_script(MINI, "--output", out)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == (
        "id,section,category,title,url\n"
        '1,Informeren,Artikels,"AUTEUR, Een artikel over iets, Brussel, 2021",'
        "https://example.be/artikel?id=1\n"
        '2,Informeren,Artikels,"TWEEDE, Een artikel met een lange titel die over twee regels '
        'loopt, Gent, 2020",https://example.be/tweede%3d%3d\n'
        '3,Informeren,Artikels,"DERDE, Een kort artikel",https://www.exémple.be/derde\n'
        '4,Informeren,Studies,"Een studie, Luik, 2019",https://example.be/studie\n'
        "5,Informeren,Studies,Een tweede studie die na de paginagrens doorloopt,"
        "https://example.be/studie-twee\n"
        "6,Handelen,Verenigingen,Vereniging Een,https://example.be/een\n"
        "7,Handelen,Verenigingen,Vereniging Twee,https://example.be/twee\n"
        "8,Handelen,Verenigingen,Punt.,https://example.be/\n"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "https://example.be/studie\n",
            "",
            "page 1 (document lines 7-41): 4 entries (1 with a wrapped '(online / toegang)' "
            "tail) need 5 links, found 4; the links run out at entry 4 (line 31: "
            "'Een studie, Luik, 2019')",
        ),
        # A lost tail: the next section header stops the entry.
        (
            "doorloopt (online \n\ntoegang)",
            "doorloopt",
            "page 2 (document lines 45-51): entry 5 (line 45: 'Een tweede studie die na de "
            "paginagrens doorloopt') has no '(online toegang)' before the section header on "
            "line 51",
        ),
        # A lost bullet.
        (
            "• Vereniging Een (online toegang)",
            "Vereniging Een (online toegang)",
            "line 61 ends in '(online toegang)' but has no bullet: "
            "'Vereniging Een (online toegang)'",
        ),
        (" Register ", " Inhoud ", "no line reading 'Register'"),
        # Text after the last link block.
        (
            "https://example.be/\n",
            "https://example.be/\n\n• Vereniging Drie (online toegang)\n",
            "page 4 (document lines 85-85): text after the last page's links, with no links",
        ),
    ],
)
def test_script_fails_loudly_on_a_tampered_fixture(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    document = tamper(MINI, tmp_path / "mini.txt", old, new)
    result = run_script(document, "--output", tmp_path / "seed.csv")
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr


def test_script_check_mode_detects_a_stale_csv(tmp_path: Path) -> None:
    out = tmp_path / "seed.csv"
    assert run_script(MINI, "--output", out).returncode == 0
    out.write_text(out.read_text(encoding="utf-8").replace("Punt.", "Punt"), encoding="utf-8")
    result = run_script(MINI, "--output", out, "--check")
    assert result.returncode == 1
    assert "differs" in result.stderr


def test_script_reports_a_missing_document(tmp_path: Path) -> None:
    result = run_script(tmp_path / "nope.txt", "--output", tmp_path / "seed.csv")
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "nope.txt" in result.stderr
