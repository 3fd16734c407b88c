"""DOCX and HTML of the shipped full CV, read back with python-docx and checked in the real
clients: LibreOffice (headless) converts the DOCX to PDF; Chromium (headless) prints the HTML
to PDF and takes a screenshot, with a proxy on loopback that records any network request."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import docx
import pytest

from cvbuild.document import Entry, Group, Item, PublicationList
from cvbuild.richtext import plain
from cvbuild.writers import docx as docx_writer
from cvbuild.writers import html as html_writer
from tests.conftest import pdf_text, squash
from tests.test_compose import shipped

DOCUMENT = shipped("full")


@pytest.fixture(scope="module")
def docx_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("docx") / "full.docx"
    path.write_bytes(docx_writer.write(DOCUMENT))
    return path


@pytest.fixture(scope="module")
def html_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "full.html"
    path.write_text(html_writer.write(DOCUMENT), encoding="utf-8")
    return path


def visible_texts() -> list[str]:
    """Every entry's and item's first words and every group title, as a reader sees them."""
    texts = []
    for section in DOCUMENT.sections:
        texts.append(section.title)
        for block in section.blocks:
            if isinstance(block, Item | Entry):
                words = plain(block.text if isinstance(block, Item) else block.title).split()
                texts.append(" ".join(words[:6]))
            elif isinstance(block, Group | PublicationList):
                texts.append(block.title)
    return [t for t in texts if t]


# --------------------------------------------------------------------------- DOCX


def test_docx_uses_named_styles_and_word_headings(docx_file: Path) -> None:
    document = docx.Document(str(docx_file))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Heading 1", "Heading 2", "CV Name", "CV Entry", "CV Text", "CV Reference"} <= styles
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [section.title for section in DOCUMENT.sections]


def test_docx_holds_every_publication_with_the_owner_bold(docx_file: Path) -> None:
    document = docx.Document(str(docx_file))
    references = [p for p in document.paragraphs if p.style.name == "CV Reference"]
    assert len(references) == 58
    for paragraph, reference in zip(references, DOCUMENT.references, strict=True):
        assert paragraph.runs[0].text == reference.label
        owners = [r.text for r in paragraph.runs if r.style.name == "CV Owner"]
        if reference.publication.owner_positions:
            assert owners and all(re.match(r"(Lapuschkin|Bach) S", o) for o in owners)


def test_docx_links_and_properties(docx_file: Path) -> None:
    document = docx.Document(str(docx_file))
    targets = {
        rel.target_ref for rel in document.part.rels.values() if rel.reltype.endswith("/hyperlink")
    }
    dois = {
        "https://doi.org/" + r.publication.fields["doi"]
        for r in DOCUMENT.references
        if "doi" in r.publication.fields
    }
    assert dois and dois <= targets
    assert "mailto:sebastian@lapuschkin.com" in targets
    properties = document.core_properties
    assert properties.title == "Curriculum Vitae — Sebastian Lapuschkin"
    assert properties.author == "Sebastian Lapuschkin" and properties.language == "en"
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer


@pytest.mark.tex
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice: make test installs it")
def test_docx_opens_in_libreoffice_with_every_item(docx_file: Path, tmp_path: Path) -> None:
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_file)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "full.pdf"
    text = squash(pdf_text(pdf))
    missing = [t for t in visible_texts() if squash(t) not in text]
    assert not missing
    pages = int(re.search(r"Pages:\s+(\d+)", _pdfinfo(pdf))[1])
    assert 8 <= pages <= 19  # the LaTeX PDF of the same CV has 19 pages (issue 16 aims at 14)
    assert "Page 1 of" in pdf_text(pdf)


def _pdfinfo(pdf: Path) -> str:
    return subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout


# --------------------------------------------------------------------------- HTML


def test_html_is_self_contained(html_file: Path) -> None:
    page = html_file.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//[^"']*\.(css|js|woff2?|png|jpe?g)""", page)
    assert "<link " not in page and "@import" not in page and "url(" not in page
    assert '"@type": "Person"' in page and '<html lang="en">' in page
    assert "default-src 'none'" in page
    assert page.count('<li id="') == 58


def test_html_escapes_user_text_and_links_only_web_mail_and_phone() -> None:
    from cvbuild.richtext import Link, Text

    assert html_writer.escape('<script>alert("x")</script>') == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    )
    bad = html_writer.inline((Link("javascript:alert(1)", (Text("x"),)),))
    good = html_writer.inline((Link("https://a.org/?q=1&r=2", (Text("x"),)),))
    assert bad == '<a href="#">x</a>'
    assert good == '<a href="https://a.org/?q=1&amp;r=2">x</a>'


# Chromium's own services (component updates, network time, sign-in), contacted on start-up
# whatever the page: not requests of the page. Everything else counts.
BROWSER_SERVICES = {"update.googleapis.com", "accounts.google.com", "clients2.google.com"}


class _Proxy:
    """A loopback listener posing as the browser's proxy: every request (a font, a script, an
    image, a prefetch) connects here and its host is recorded; nothing is forwarded."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.hosts: list[str] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            connection.settimeout(2)
            try:
                line = connection.recv(1024).split(b"\r\n")[0].decode("latin-1")
            except OSError:
                line = "? unreadable"
            connection.close()
            target = line.split(" ")[1] if " " in line else line
            self.hosts.append(re.sub(r"^\w+://|[:/].*$", "", target))

    @property
    def page_requests(self) -> list[str]:
        return [host for host in self.hosts if host not in BROWSER_SERVICES]

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        self.server.close()


def _chromium(html: Path, *args: str, proxy: _Proxy) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={html.parent / 'chromium-profile'}",
         f"--proxy-server=http://127.0.0.1:{proxy.port}",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--no-default-browser-check", "--disable-extensions",
         "--enable-logging=stderr", "--v=0", *args, html.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.tex
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium: make test installs it")
def test_the_request_check_sees_what_a_page_loads(tmp_path: Path) -> None:
    """The control for the test below: a page with an external image and a web font."""
    page = tmp_path / "external.html"
    page.write_text(
        '<!DOCTYPE html><img src="http://cdn.example.org/x.png">'
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        encoding="utf-8",
    )
    proxy = _Proxy()
    try:
        _chromium(page, f"--screenshot={tmp_path / 'x.png'}", proxy=proxy)
    finally:
        proxy.close()
    assert {"cdn.example.org", "fonts.googleapis.com"} <= set(proxy.page_requests)


@pytest.mark.tex
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium: make test installs it")
def test_html_in_chromium_renders_every_item_without_errors_or_requests(
    html_file: Path,
) -> None:
    proxy = _Proxy()
    try:
        pdf = html_file.with_suffix(".pdf")
        printed = _chromium(html_file, f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                            proxy=proxy)  # fmt: skip
        shot = _chromium(
            html_file,
            f"--screenshot={html_file.with_suffix('.png')}",
            "--window-size=1100,1400",
            proxy=proxy,
        )
    finally:
        proxy.close()
    assert proxy.page_requests == []
    for run in (printed, shot):
        assert not re.search(r"CONSOLE.*(error|Uncaught)", run.stderr, re.I), run.stderr
    text = squash(pdf_text(pdf))
    missing = [t for t in visible_texts() if squash(t) not in text]
    assert not missing
    assert html_file.with_suffix(".png").stat().st_size > 10_000
