"""Translation catalogs, extracted, updated and compiled with Babel.

A domain package (a direct subpackage such as ``leaktrack/incidents``) that has a
``translations/`` folder owns the messages of all its files; every other message (modules
directly in ``leaktrack/``, the base templates, packages without a catalog of their own) belongs
to ``leaktrack/translations``. To give a domain its own catalog, create its ``translations/``
folder and run ``make translations``. English is the source language; the catalogs hold the
others. ``python -m leaktrack.catalogs`` (``make translations``) brings every catalog up to date
with the code and compiles it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE_DIR = Path(__file__).resolve().parent
LANGUAGES = ("ja",)
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def domain_packages(root: Path = PACKAGE_DIR) -> list[Path]:
    """Return the domain packages: direct subfolders of the package with an __init__.py."""
    return sorted(p for p in root.iterdir() if (p / "__init__.py").is_file())


def catalog_owners(root: Path = PACKAGE_DIR) -> list[Path]:
    """Return every folder that owns a catalog: the package and each domain package with one."""
    return [root, *(p for p in domain_packages(root) if (p / "translations").is_dir())]


def po_path(owner: Path, language: str) -> Path:
    """Return where the owner's catalog for one language lives."""
    return owner / "translations" / language / "LC_MESSAGES" / "messages.po"


def extract_messages(owner: Path, root: Path = PACKAGE_DIR) -> Catalog:
    """Extract the translatable messages of one catalog owner into a template catalog."""
    with (root / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    excluded = {p.resolve() for p in catalog_owners(root)[1:]} if owner == root else set()

    def keep_directory(dirname: str) -> bool:
        path = Path(dirname).resolve()
        return path not in excluded and not path.name.startswith((".", "_"))

    template = Catalog(project="leaktrack", fuzzy=False)
    found = extract_from_dir(
        owner,
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        directory_filter=keep_directory,
    )
    for filename, lineno, message, comments, context in found:
        location = (str((owner / filename).relative_to(root.parent)), lineno)
        template.add(message, None, [location], auto_comments=comments, context=context)
    return template


def read_catalog(path: Path) -> Catalog:
    """Read a .po file."""
    with path.open("rb") as f:
        return read_po(f)


def update_catalog(owner: Path, language: str, template: Catalog) -> Path:
    """Merge the template into the owner's catalog for a language (creating it); compile it."""
    path = po_path(owner, language)
    if path.exists():
        catalog = read_catalog(path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale=language, project="leaktrack", fuzzy=False)
        catalog.header_comment = (
            f"# {language} translations for leaktrack ({owner.name}).\n"
            "# This file is distributed under the same license as the leaktrack project."
        )
    before = _contents(catalog)
    catalog.update(template, no_fuzzy_matching=True)
    if not path.exists() or _contents(catalog) != before:
        catalog.revision_date = datetime.now(UTC)
        catalog.project, catalog.version = "leaktrack", ""
        catalog.last_translator = catalog.msgid_bugs_address = "leaktrack maintainers"
        catalog.language_team = f"leaktrack {language}"
        with path.open("wb") as f:
            write_po(
                f, catalog, width=100, ignore_obsolete=True, no_location=True, sort_output=True
            )
    compile_catalog(path)
    return path


def _contents(catalog: Catalog) -> list[tuple]:
    return sorted((str(m.id), str(m.string), m.context or "") for m in catalog if m.id)


def compile_catalog(path: Path) -> None:
    """Write the .mo next to a .po file."""
    catalog = read_catalog(path)
    with path.with_suffix(".mo").open("wb") as f:
        write_mo(f, catalog)


def untranslated(catalog: Catalog) -> list[str]:
    """Return the ids of messages with an empty or fuzzy translation."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update_all(languages: Iterable[str] = LANGUAGES) -> list[str]:
    """Update and compile every catalog; return a report line per catalog with its gaps."""
    lines = []
    for owner in catalog_owners():
        template = extract_messages(owner)
        if not len(template) and not po_path(owner, LANGUAGES[0]).exists():
            continue
        for language in languages:
            path = update_catalog(owner, language, template)
            gaps = untranslated(read_catalog(path))
            status = f"{len(gaps)} to translate" if gaps else "complete"
            lines.append(f"{path.relative_to(PACKAGE_DIR.parent)}: {status}")
    return lines


if __name__ == "__main__":
    report = update_all()
    print("\n".join(report))
