"""Reading and extracting single files: encodings, bad files, HTML metadata."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tasks.documents import Document, Reject
from tasks.read import batched, discover, last_batch, locations, read_document
from tests.helpers import SEEDS, process

FIXTURES = Path(__file__).parent / "fixtures"
FRENCH = (
    "Le président a déclaré qu’il irait à Séoul. « C’est un événement », a-t-il ajouté, "
    "évoquant la coopération économique entre les deux pays et leurs élèves."
)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8-sig", "utf-16"])
def test_french_text_in_legacy_encodings_comes_out_right(tmp_path: Path, encoding: str) -> None:
    text = FRENCH if encoding != "latin-1" else FRENCH.replace("’", "'")
    path = tmp_path / f"article-{encoding}.txt"
    path.write_bytes(f"Un titre\n\n{text}\n".encode(encoding))
    doc = read_document(path, 1_000_000)
    assert isinstance(doc, Document)
    assert text in doc.text


def test_gzipped_seed_reads_like_the_plain_one(tmp_path: Path) -> None:
    seed = SEEDS / "001_ab8cf38a567ce122.txt"
    packed = tmp_path / "seed.txt.gz"
    packed.write_bytes(gzip.compress(seed.read_bytes()))
    plain, gz = process(seed), process(packed)
    assert isinstance(gz, Document) and isinstance(plain, Document)
    assert gz.body_text == plain.body_text and gz.title == plain.title


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.txt", b" \n\n \t\n", "file is empty"),
        ("image.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "file is not text or HTML"),
        ("data.txt", b"abc\x00\x01\x02" * 100, "file is not text or HTML"),
        ("report.txt", b"%PDF-1.7\n" + b"\x00" * 50, "file is not text or HTML"),
        (
            "broken.txt.gz",
            b"\x1f\x8b\x08\x00garbage",
            "file ends in .gz but is not a readable gzip file",
        ),
    ],
)
def test_bad_files_are_rejected_with_a_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = read_document(path, 1_000_000)
    assert isinstance(result, Reject)
    assert (result.stage, result.reason) == ("read", reason)
    assert result.source_uri == str(path)


def test_oversize_file_and_gzip_bomb_are_cut_at_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 5000)
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b"a" * 50_000_000))
    for path in (big, bomb):
        result = read_document(path, 4000)
        assert isinstance(result, Reject)
        assert result.reason == "file is over the size limit of 4000 bytes"


def test_discover_walks_folders_in_order_and_skips_other_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ["b/2.html", "a.txt", "notes.md", "b/1.htm.gz"]:
        (tmp_path / name).write_text("x")
    found = [
        p.relative_to(tmp_path).as_posix()
        for p in discover([tmp_path], [".txt", ".html", ".htm.gz"])
    ]
    assert found == ["a.txt", "b/1.htm.gz", "b/2.html"]


def test_html_metadata_and_structure() -> None:
    doc = process(FIXTURES / "article_fr.html")
    assert isinstance(doc, Document)
    assert doc.fmt == "html"
    assert (
        doc.title == "Inondations dans le Var : les communes sinistrées attendent l’aide de l’État"
    )
    assert doc.author == "Camille Roux"
    assert str(doc.published) == "2024-10-18"
    assert doc.sitename == "Le Courrier du Sud"
    assert doc.url == "https://courrier-du-sud.example/var/inondations-aide-etat"
    assert doc.tags == ["Inondations", "Var", "Climat"]
    assert [p.kind for p in doc.paragraphs] == ["body", "body", "heading", "body", "body"]
    body = doc.body_text
    for junk in ("cookies", "Mentions légales", "Accueil", "À lire aussi", "Tous droits"):
        assert junk not in body


def test_html_date_is_recorded_only_when_the_page_states_it(tmp_path: Path) -> None:
    html = (FIXTURES / "article_fr.html").read_text("utf-8")
    undated = tmp_path / "undated.html"
    undated.write_text(
        html.replace(
            '<meta property="article:published_time" content="2024-10-18T07:45:00+02:00">', ""
        )
    )
    doc = process(undated)
    assert isinstance(doc, Document)
    assert "2010" in doc.body_text  # a bare year in the text is not a publication date
    assert doc.published is None


def test_navigation_only_html_has_no_article_text() -> None:
    doc = process(FIXTURES / "nav_only.html")
    assert isinstance(doc, Reject) or len(doc.body_text) < 200


def test_truncated_html_keeps_what_arrived(tmp_path: Path) -> None:
    html = (FIXTURES / "article_fr.html").read_bytes()
    cut = tmp_path / "truncated.html"
    cut.write_bytes(html[: int(len(html) * 0.6)])
    doc = process(cut)
    assert isinstance(doc, Document)
    assert doc.paragraphs[0].text.startswith("Trois jours après les pluies torrentielles")


def test_byline_search_answers_as_trafilaturas_own() -> None:
    """Our faster byline search finds exactly what trafilatura's extract_author finds."""
    from trafilatura.metadata import extract_author
    from trafilatura.utils import load_html

    from benchmarks.quality import BENCH
    from tasks.extract import byline_author

    pages = sorted(BENCH.glob("*/html/*.gz"))
    if not pages:
        pytest.skip(f"benchmark pages not found at {BENCH}")
    found = 0
    for page in pages[::3]:  # every third page keeps the test short; all agree (645 pages)
        tree = load_html(gzip.decompress(page.read_bytes()))
        expected = extract_author(tree)
        assert byline_author(tree) == expected, page.name
        found += expected is not None
    assert found > 50  # the comparison covers pages where a byline is found, too


def test_discover_finds_what_rglob_finds(tmp_path: Path) -> None:
    """The folder walk (one scandir per folder) lists what ``Path.rglob`` lists: links
    to files are taken, links to folders are not entered, and a file reached twice (a
    link and its target, two sources) is listed once."""
    root = tmp_path / "root"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "dir.html").mkdir()  # a folder with a file's ending
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in ["a.txt", "B.HTML", "sub/c.html", "sub/deeper/d.htm.gz", ".hidden/e.txt"]:
        (root / name).write_text("x")
    (outside / "f.txt").write_text("x")
    (outside / "g.txt").write_text("x")  # only under the folder link: not listed
    (root / "link.txt").symlink_to(outside / "f.txt")  # a link to a file elsewhere: taken
    (root / "same.txt").symlink_to(root / "a.txt")  # the same file again: once
    (root / "linked").symlink_to(outside, target_is_directory=True)  # not entered
    (root / "broken.txt").symlink_to(tmp_path / "nowhere.txt")  # no file behind it
    (root / "loop.html").symlink_to(root / "loop.html")  # a link to itself
    (root / "through.html").symlink_to(root / "a.txt" / "x")  # a link through a file
    endings = (".txt", ".html", ".htm.gz")

    def reference(sources: list[Path]) -> list[Path]:  # the walk as it was, with rglob
        found, seen = [], set()
        for source in sources:
            candidates = (
                sorted(
                    p for p in source.rglob("*") if p.is_file() and p.name.lower().endswith(endings)
                )
                if source.is_dir()
                else [source]
            )
            for path in candidates:
                if path.resolve() not in seen:
                    seen.add(path.resolve())
                    found.append(path)
        return found

    sources = [root, outside / "f.txt", root / "sub"]
    assert discover(sources, endings) == reference(sources)
    names = [p.relative_to(tmp_path).as_posix() for p in discover(sources, endings)]
    assert names == [
        "root/.hidden/e.txt",
        "root/B.HTML",
        "root/a.txt",
        "root/link.txt",
        "root/sub/c.html",
        "root/sub/deeper/d.htm.gz",
    ]


def test_locations_are_the_resolved_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``locations`` resolves each folder once, and gives what ``resolve().as_uri()``
    gives: through linked folders and files, relative paths, ``..``, missing files."""
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    for name in ["a.html", "sub/b.html", "it's %20 é.html"]:
        (real / name).write_text("x")
    (tmp_path / "via").symlink_to(real, target_is_directory=True)
    (real / "link.html").symlink_to(real / "sub" / "b.html")
    (real / "up.html").symlink_to(Path("sub") / ".." / "a.html")
    monkeypatch.chdir(real / "sub")
    paths = [
        real / "a.html",
        tmp_path / "via" / "sub" / "b.html",
        tmp_path / "via" / "link.html",
        real / "up.html",
        real / "it's %20 é.html",
        Path("b.html"),
        Path("..") / "a.html",
        Path("..") / "sub" / ".." / "a.html",
        real / "missing.html",
        tmp_path / "nowhere" / "missing.html",
    ]
    assert locations(paths) == [p.resolve().as_uri() for p in paths]


def test_a_runs_last_batch_is_small_so_that_workers_and_flow_end_together() -> None:
    # The workers transform the last batch while the flow validates and loads the one
    # before: a fifth of a batch, not whatever is left over (5 documents of 2,005 left
    # the workers idle while the flow loaded 200).
    items = [Path(f"{i:04d}.html") for i in range(2005)]
    batches = batched(items, 200, last_batch(200))
    assert [len(b) for b in batches] == [200] * 9 + [165, 40]
    assert [p for b in batches for p in b] == items  # each once, in order
    assert [len(b) for b in batched(items[:150], 200, 40)] == [150]  # one batch stays one
    assert [len(b) for b in batched(items[:401], 200)] == [200, 200, 1]
