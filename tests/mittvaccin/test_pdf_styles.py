"""Computed styles kept from one PDF to the next (mittvaccin/pdf_styles.py, issue 11): the PDF is the
same, byte for byte but its dates, as WeasyPrint renders it alone; documents with a stylesheet of
their own are styled as WeasyPrint does it; the kept styles stay bounded."""

import io
import re

import pytest
import weasyprint
import weasyprint.css
from pypdf import PdfReader

from mittvaccin import pdf_styles
from mittvaccin.pdf import render_pdf

PAGE = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Prov</title></head><body>
<h1 class="title">Faktura {n}</h1><p lang="en" style="color: #a00; margin-left: 3mm">Due {n}</p>
<table class="facts"><tr><th>Nr</th><td>{n}</td></tr><tr><th>OCR</th><td class="mono">{n}52</td></tr></table>
<p>Rad ett<br>rad två</p><ul><li>Första</li><li style="font-weight: bold">Andra</li></ul></body></html>"""

CSS = """@page { size: A5; margin: 10mm; @bottom-right { content: "Sida " counter(page) } }
body { font: 10pt/1.4 "DejaVu Sans", sans-serif; } .title { font-size: 2em; letter-spacing: .05em; }
.facts { float: right; width: 50%; border-collapse: collapse; margin: 2mm 0 4mm; } .mono { font-family: monospace; }"""


def without_dates(content: bytes) -> bytes:
    return re.sub(
        rb"/(CreationDate|ModDate) \([^)]*\)|/ID \[[^\]]*\]|<xmp:(Create|Modify)Date>[^<]*<", b"", content
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def stylesheet(tmp_path):
    path = tmp_path / "prov.css"
    path.write_text(CSS)
    return path


def weasyprint_alone(monkeypatch, html, stylesheet):
    with monkeypatch.context() as patch:
        patch.setattr(weasyprint.css, "StyleFor", pdf_styles.StyleFor)
        return render_pdf(html, stylesheet=stylesheet)


def test_kept_styles_give_the_pdf_weasyprint_gives_alone(monkeypatch, stylesheet):
    first = render_pdf(PAGE.format(n=1), stylesheet=stylesheet)
    assert weasyprint.css.StyleFor is pdf_styles.SharedStyleFor
    kept = pdf_styles.kept_count()
    # The next document is styled from the kept styles alone: its elements were all seen before.
    second = render_pdf(PAGE.format(n=2), stylesheet=stylesheet)
    assert pdf_styles.kept_count() == kept
    assert without_dates(first) == without_dates(weasyprint_alone(monkeypatch, PAGE.format(n=1), stylesheet))
    assert without_dates(second) == without_dates(weasyprint_alone(monkeypatch, PAGE.format(n=2), stylesheet))
    text = pdf_text(second)
    assert "Faktura 2" in text and "Due 2" in text and "252" in text and "Sida 1" in text
    assert "Rad ett\nrad två" in text


def test_the_kept_styles_repeat_the_steps_of_the_installed_weasyprint():
    # SharedStyleFor.__init__ repeats StyleFor.__init__ of this version: after an upgrade, compare
    # the two, then bump WEASYPRINT_VERSION.
    assert weasyprint.__version__ == pdf_styles.WEASYPRINT_VERSION


def test_a_document_with_a_stylesheet_of_its_own_is_styled_as_weasyprint_does_it(monkeypatch):
    html = PAGE.format(n=3).replace("</head>", "<style>.title { font-size: 30pt }</style></head>")
    kept = pdf_styles.kept_count()
    content = render_pdf(html)
    assert pdf_styles.kept_count() == kept
    assert without_dates(content) == without_dates(weasyprint_alone(monkeypatch, html, None))
    assert "Faktura 3" in pdf_text(content)


def test_the_kept_styles_are_bounded(monkeypatch, stylesheet):
    render_pdf(PAGE.format(n=4), stylesheet=stylesheet)
    monkeypatch.setattr(pdf_styles, "KEPT_MAX", 3)
    # Full: emptied and filled again during the document; its own copies are unaffected.
    content = render_pdf(PAGE.format(n=5).replace("Första", "<b>Första</b>"), stylesheet=stylesheet)
    assert pdf_styles.kept_count() <= 3
    expected = weasyprint_alone(monkeypatch, PAGE.format(n=5).replace("Första", "<b>Första</b>"), stylesheet)
    assert without_dates(content) == without_dates(expected)


def test_fonts_are_subset_by_harfbuzz_not_the_slow_fonttools_fallback(caplog, stylesheet):
    """Without libharfbuzz-subset0 (launch.PDF_PACKAGES, the Dockerfile) WeasyPrint subsets each font
    with fontTools: about 250 ms more per invoice PDF, and a warning per font in every render."""
    with caplog.at_level("WARNING", logger="weasyprint"):
        content = render_pdf(PAGE.format(n=3), stylesheet=stylesheet)
    assert "Faktura 3" in pdf_text(content)
    assert not [record.message for record in caplog.records if "fontTools" in record.getMessage()]


def test_a_worker_logging_at_info_gets_no_line_per_rendering_step(caplog, stylesheet):
    """A Celery worker run with `-l info` (docker-compose.yml, make run) puts the root logger at INFO;
    WeasyPrint's progress logger stays at WARNING (settings.LOGGING), not seven lines per PDF."""
    with caplog.at_level("INFO"):
        render_pdf(PAGE.format(n=4), stylesheet=stylesheet)
    assert not [record for record in caplog.records if record.name.startswith("weasyprint")]
