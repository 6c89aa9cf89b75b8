"""The summary as PDF: its text carries the figures and no personal data."""

import io

import pytest
from pypdf import PdfReader

from leaktrack.summaries.pdf import StaticFetcher, local_file

from .conftest import PERSONAL_DATA


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_summary_pdf(worked_incident, page_client):
    client = page_client("executive")
    response = client.get(f"/incidents/{worked_incident}/summary.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f'filename="{worked_incident}-summary.pdf"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF-")
    text = _pdf_text(response.data)
    squeezed = " ".join(text.split())
    for expected in (worked_incident, "Misdelivered statements", "Time to contain", "1 d 2 h",
                     "People affected", "Obligations", "Latest events"):  # fmt: skip
        assert expected in squeezed, expected
    for value in [*PERSONAL_DATA, "resp.one@example.test", client.email]:
        assert value not in text, value


def test_summary_page_links_to_the_pdf(worked_incident, page_client):
    html = (
        page_client("executive").get(f"/incidents/{worked_incident}/summary").get_data(as_text=True)
    )
    assert f"/incidents/{worked_incident}/summary.pdf" in html


def test_unknown_incident_pdf_is_404(page_client):
    assert page_client("executive").get("/incidents/LT-1999-0001/summary.pdf").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/static/css/app.css",
        "http://localhost/static/../__init__.py",
        "http://localhost/static/%2e%2e/__init__.py",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_fetcher_serves_nothing_but_static_files(url):
    if "example.com" in url:
        assert local_file(url) is not None  # the host is ignored: only the path is served
        return
    assert local_file(url) is None
    with pytest.raises(ValueError):
        StaticFetcher().fetch(url)


def test_summary_pdf_in_japanese(worked_incident, page_client):
    response = page_client("executive").get(
        f"/incidents/{worked_incident}/summary.pdf", headers={"Accept-Language": "ja"}
    )
    assert response.status_code == 200
    text = " ".join(_pdf_text(response.data).split())
    assert "主な日時" in text and "影響を受けた人数" in text
