"""The summary page printed to PDF by WeasyPrint, reading only the app's own static files."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from leaktrack import PACKAGE_DIR

#: URL path prefix → folder served from it; nothing else is ever fetched (no network, no files)
SERVED = {
    "/static/": PACKAGE_DIR / "static",
    "/summaries/static/": PACKAGE_DIR / "summaries" / "static",
}


def local_file(url: str) -> Path | None:
    """The static file a URL names, or None when it names anything else."""
    path = unquote(urlsplit(url).path)
    for prefix, folder in SERVED.items():
        if path.startswith(prefix):
            candidate = (folder / path.removeprefix(prefix)).resolve()
            if candidate.is_file() and candidate.is_relative_to(folder.resolve()):
                return candidate
    return None


class StaticFetcher(URLFetcher):
    """Serves the app's stylesheets and icons from disk; refuses every other URL."""

    def fetch(self, url, headers=None):
        found = local_file(url)
        if found is None:
            raise ValueError(f"not fetched for a PDF: {url}")
        mime = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, found.read_bytes(), {"Content-Type": mime})


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """A PDF of the page as printed (the print stylesheet applies)."""
    return HTML(string=html, base_url=base_url, url_fetcher=StaticFetcher()).write_pdf()
