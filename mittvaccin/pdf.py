"""PDFs with WeasyPrint, keeping what can be kept for the life of the process.

A font configuration (Pango's font map with its caches of metrics and shaped text) and a parsed
stylesheet cost more to build than most of a one-page document; a worker that renders many invoices
builds each once. The elements' computed styles are kept from one document to the next as well
(`mittvaccin.pdf_styles`). Not shared between threads: web and worker processes here render one
document at a time each.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def _fonts():
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415  (Pango and fonts load on first use)

    from mittvaccin import pdf_styles  # noqa: PLC0415  (it imports WeasyPrint)

    pdf_styles.install()
    return pdf_styles.lasting(FontConfiguration())


@cache
def _stylesheet(path: str):
    from weasyprint import CSS  # noqa: PLC0415  (Pango and fonts load on first use)

    from mittvaccin import pdf_styles  # noqa: PLC0415  (it imports WeasyPrint)

    return pdf_styles.lasting(CSS(filename=path, font_config=_fonts()))


def render_pdf(html: str, *, stylesheet: Path | None = None, base_url: str | None = None) -> bytes:
    """The PDF of `html`, styled by `stylesheet` (a CSS file, parsed once per process) as well.

    Every PDF is tagged (PDF/UA-1): headings and tables reach a screen reader and the document's
    language is set (WCAG 1.3.1); residents get invoices, reminders and certificates as PDFs.
    """
    from weasyprint import HTML  # noqa: PLC0415  (Pango and fonts load on first use, in the process that renders)

    stylesheets = [_stylesheet(str(stylesheet))] if stylesheet else []
    return HTML(string=html, base_url=base_url).write_pdf(
        stylesheets=stylesheets, font_config=_fonts(), pdf_variant="pdf/ua-1"
    )
