"""Every UI string is translatable, every catalog is complete, every .mo matches its .po."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from flask_babel import force_locale, gettext
from jinja2 import Environment

from leaktrack import create_app
from leaktrack.catalogs import (
    LANGUAGES,
    PACKAGE_DIR,
    catalog_owners,
    extract_messages,
    po_path,
    read_catalog,
    untranslated,
)

TEMPLATES = sorted(PACKAGE_DIR.glob("**/templates/**/*.html"))
PO_FILES = sorted(PACKAGE_DIR.glob("**/translations/*/LC_MESSAGES/messages.po"))
TRANSLATABLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description"}
PLACEHOLDER = "§"  # stands for any Jinja tag or expression; not a letter
LETTER = re.compile(r"[^\W\d_]")


class LiteralFinder(HTMLParser):
    """Collect the human-language text an HTML page carries outside Jinja expressions."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.in_code += 1
        for name, value in attrs:
            if name in TRANSLATABLE_ATTRIBUTES and value and LETTER.search(value):
                self.report(f'{tag} {name}="{value}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.in_code = max(0, self.in_code - 1)

    def handle_data(self, data):
        letter = LETTER.search(data)
        if not self.in_code and letter:
            self.report(data.strip(), extra_lines=data.count("\n", 0, letter.start()))

    def report(self, text, extra_lines=0):
        self.found.append(f"line {self.getpos()[0] + extra_lines}: {text}")


def literal_texts(source: str) -> list[str]:
    """Return the untranslated literal texts in a Jinja HTML template, with their lines."""
    markup: list[str] = []
    line = 1
    previous_was_data = True
    for lineno, token, value in Environment(extensions=["jinja2.ext.i18n"]).lex(source):
        if token == "data":
            # Keep the markup on the template's own lines so messages name the right line.
            markup.append("\n" * max(0, lineno - line) + value)
            line = max(line, lineno) + value.count("\n")
            previous_was_data = True
        elif previous_was_data:
            markup.append(PLACEHOLDER)
            previous_was_data = False
    finder = LiteralFinder()
    finder.feed("".join(markup))
    finder.close()
    return finder.found


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("<p>Hello</p>", ["Hello"]),
        ('<input placeholder="Search">', ['placeholder="Search"']),
        ('<img alt="Logo" src="{{ url }}">', ['alt="Logo"']),
        ('<button aria-label="Close">{{ c.icon("x") }}</button>', ['aria-label="Close"']),
        ("{% if x %}\n<p>\n  Saved {{ n }} items</p>{% endif %}", ["line 3: Saved"]),
        ("<h1>日本語の見出し</h1>", ["日本語の見出し"]),
        ('<p>{{ _("Hello") }}</p><input placeholder="{{ _(\'Search\') }}">', []),
        ('<a class="btn" href="/x">{{ label }}</a> — · 42 %', []),
        ('<script src="/app.js"></script>{# a comment with words #}', []),
    ],
)
def test_literal_finder_sees_untranslated_text(snippet, expected):
    found = literal_texts(snippet)
    assert len(found) == len(expected), found
    for text, wanted in zip(found, expected, strict=True):
        assert wanted in text


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_templates_have_no_untranslated_literal_text(template):
    found = literal_texts(template.read_text(encoding="utf-8"))
    assert not found, f"wrap these in _() in {template.relative_to(PACKAGE_DIR)}:\n" + "\n".join(
        found
    )


def test_templates_are_checked():
    assert PACKAGE_DIR / "templates" / "base.html" in TEMPLATES


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "owner", catalog_owners(), ids=lambda p: p.name if p != PACKAGE_DIR else "leaktrack"
)
def test_catalog_has_every_message_translated(owner, language):
    template = extract_messages(owner)
    if not len(template):
        pytest.skip(f"{owner.name} has no translatable messages")
    path = po_path(owner, language)
    assert path.exists(), f"{path} is missing: run `make translations`"
    catalog = read_catalog(path)
    missing = sorted(
        {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
        - {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    )
    assert not missing, f"{path} misses (run `make translations`): {missing}"
    empty = untranslated(catalog)
    assert not empty, f"{path} has no {language} translation for: {empty}"
    problems = [f"{m.id}: {errors}" for m, errors in catalog.check()]
    assert not problems, f"{path} has broken placeholders: {problems}"


def test_extraction_finds_the_base_template_messages():
    ids = {m.id for m in extract_messages(PACKAGE_DIR)}
    assert {"Skip to main content", "Sign out", "%(time)s overdue"} <= ids


def _key(value) -> tuple[str, ...]:
    """A message id or translation as a tuple: plural forms come as lists from .mo files."""
    return (value,) if isinstance(value, str) else tuple(value)


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_compiled_catalog_matches_its_source(po: Path):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make translations`"
    with mo.open("rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    source = {
        _key(m.id): _key(m.string)
        for m in read_catalog(po)
        if m.id and all(_key(m.string)) and not m.fuzzy
    }
    assert compiled == source, f"{mo} is stale: run `make translations`"


def _unique_translated_message(po: Path):
    """A message of this catalog that no other catalog has, so only this one can translate it."""
    others = {m.id for other in PO_FILES if other != po for m in read_catalog(other)}
    return next(
        m
        for m in read_catalog(po)
        if isinstance(m.id, str) and m.id and m.string and m.id not in others
    )


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_app_loads_every_catalog(po: Path, tmp_path):
    message = _unique_translated_message(po)
    app = create_app(
        {
            "SECRET_KEY": "test",
            "LEAKTRACK_DATA_KEY": "unused",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    app.instance_path = str(tmp_path)
    language = po.parents[1].name
    with app.test_request_context(), force_locale(language):
        assert gettext(message.id) == message.string
