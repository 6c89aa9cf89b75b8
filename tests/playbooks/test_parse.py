"""The playbook file format: every shipped playbook parses; every mistake names its line."""

from datetime import timedelta
from pathlib import Path

import pytest

from leaktrack.playbooks.parse import (
    Broken,
    Playbook,
    content_hash,
    load_library,
    parse_file,
    parse_offset,
    parse_text,
)
from leaktrack.vocab import CAUSES

SHIPPED = Path(__file__).resolve().parents[2] / "playbooks"
SHIPPED_FILES = sorted(p for p in SHIPPED.glob("*.md") if p.name != "README.md")

GOOD = """---
title: Wrong recipient
slug: wrong-recipient
version: 2
applies_to:
  causes: [misdelivery]
  data_categories: [email]
summary: "When mail goes astray: use this."
---
Read this first.

## Contain
- [ ] Recall the message {due: 30m, role: responder}
Guidance about recalling.

  - [ ] an indented line is guidance, not an item
- [ ] Ask for deletion {due: 2h}

## Notify
```
- [ ] inside a code fence: guidance
```
- [ ] Report to the regulator {role: legal, due: 3d}
- [ ] Tell people
"""


def test_a_good_file_parses_with_phases_items_and_guidance():
    playbook = parse_text(GOOD, "x.md")
    assert isinstance(playbook, Playbook), getattr(playbook, "problems", None)
    assert (playbook.slug, playbook.version, playbook.version_line) == ("wrong-recipient", 2, 4)
    assert playbook.causes == ("misdelivery",) and playbook.data_categories == ("email",)
    assert playbook.summary == "When mail goes astray: use this."
    assert playbook.introduction == "Read this first."
    assert [p.title for p in playbook.phases] == ["Contain", "Notify"]
    items = playbook.items
    assert [i.text for i in items] == [
        "Recall the message",
        "Ask for deletion",
        "Report to the regulator",
        "Tell people",
    ]
    assert [(i.due, i.role, i.line) for i in items] == [
        (timedelta(minutes=30), "responder", 13),
        (timedelta(hours=2), None, 17),
        (timedelta(days=3), "legal", 23),
        (None, None, 24),
    ]
    contain = playbook.phases[0]
    assert "Guidance about recalling." in contain.guidance
    assert "an indented line is guidance" in contain.guidance
    assert "inside a code fence" in playbook.phases[1].guidance
    assert "- ☐ Recall the message *(30m · responder)*" in contain.markdown
    assert "- ☐ Ask for deletion *(2h)*" in contain.markdown
    assert "inside a code fence" in playbook.phases[1].markdown


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.name)
def test_every_shipped_playbook_parses_and_covers_the_promise(path):
    playbook = parse_file(path)
    assert isinstance(playbook, Playbook), playbook.problems
    phases = [p.title for p in playbook.phases]
    assert phases == ["Contain", "Assess", "Notify", "Recover", "Review"]
    text = " ".join(i.text for i in playbook.items).lower()
    for promise in ("evidence", "72 hours", "preliminary report", "final report", "train"):
        assert promise in text, f"{path.name} lacks a step about {promise}"
    assert "affected people" in text or "notify the affected" in text or "apologise" in text
    assert "announcement" in text or "publish" in text
    assert all(i.due is not None and i.role for i in playbook.items)
    assert len(playbook.items) >= 12


def test_the_shipped_folder_has_seven_playbooks_covering_every_cause():
    library = load_library(SHIPPED)
    assert library.broken == ()
    assert len(library.playbooks) >= 7
    covered = {c for p in library.playbooks.values() for c in p.causes}
    assert covered == set(CAUSES) - {"other"}
    vendor = library.playbooks["vendor-leak"]
    assert "supervis" in (vendor.introduction + " ".join(i.text for i in vendor.items)).lower()


def _file(front: str, body: str = "## Contain\n- [ ] Do it\n") -> str:
    return f"---\n{front}\n---\n{body}"


BASE = "title: T\nslug: t\nversion: 1"
CASES = [
    ("no front matter", "## Contain\n- [ ] x\n", 1, "must start with a '---'"),
    ("unclosed front matter", "---\ntitle: T\n", 1, "never closed"),
    ("unknown key", _file(BASE + "\nowner: bob"), 5, "unknown key 'owner' in front matter"),
    ("missing slug", _file("title: T\nversion: 1"), 1, "missing 'slug'"),
    ("bad slug", _file("title: T\nslug: Not A Slug\nversion: 1"), 3, "slug must be"),
    ("zero version", _file("title: T\nslug: t\nversion: 0"), 4, "version must be a whole number"),
    ("text version", _file("title: T\nslug: t\nversion: two"), 4, "version must be"),
    ("empty title", _file("title: ''\nslug: t\nversion: 1"), 2, "title must be"),
    (
        "applies_to key",
        _file(BASE + "\napplies_to:\n  causes: [vendor]\n  severity: [high]"),
        7,
        "unknown key 'severity' in applies_to",
    ),
    (
        "unknown cause",
        _file(BASE + "\napplies_to:\n  causes: [aliens]"),
        6,
        "unknown causes value 'aliens'",
    ),
    (
        "unknown category",
        _file(BASE + "\napplies_to:\n  data_categories: [dna]"),
        6,
        "unknown data_categories value 'dna'",
    ),
    ("bad yaml", _file(BASE + "\nsummary: a: b"), 5, "not valid YAML"),
    ("bad offset", _file(BASE, "## Contain\n- [ ] x {due: 4x}\n"), 7, "bad due offset '4x'"),
    (
        "offset too far",
        _file(BASE, "## Contain\n- [ ] x {due: 400d}\n"),
        7,
        "bad due offset '400d'",
    ),
    ("negative offset", _file(BASE, "## A\n- [ ] y\n- [ ] x {due: -4h}\n"), 8, "bad due offset"),
    (
        "unknown item key",
        _file(BASE, "## Contain\n- [ ] x {owner: bob}\n"),
        7,
        "unknown key 'owner' on item",
    ),
    (
        "unknown role",
        _file(BASE, "## Contain\n- [ ] x {role: janitor}\n"),
        7,
        "unknown role 'janitor'",
    ),
    ("not key value", _file(BASE, "## Contain\n- [ ] x {4h}\n"), 7, "is not 'key: value'"),
    ("twice", _file(BASE, "## Contain\n- [ ] x {due: 1h, due: 2h}\n"), 7, "'due' is given twice"),
    ("unclosed brace", _file(BASE, "## Contain\n- [ ] x {due: 1h\n"), 7, "must close"),
    ("ticked", _file(BASE, "## Contain\n- [x] x\n"), 7, "start unticked"),
    ("empty item", _file(BASE, "## Contain\n- [ ] {due: 1h}\n"), 7, "has no text"),
    ("item before phase", _file(BASE, "- [ ] x\n## Contain\n- [ ] y\n"), 6, "before the first"),
    (
        "empty phase",
        _file(BASE, "## Contain\n- [ ] y\n\n## Notify\nprose\n"),
        9,
        "has no checklist items",
    ),
    ("twice phase", _file(BASE, "## Contain\n- [ ] y\n## contain\n- [ ] z\n"), 8, "appears twice"),
    ("no phases", _file(BASE, "Just prose.\n"), 6, "no '## Phase' heading"),
]


@pytest.mark.parametrize(
    ("text", "line", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_mistake_is_reported_with_its_line(text, line, message):
    result = parse_text(text, "pb.md")
    assert isinstance(result, Broken)
    assert any(p.startswith(f"pb.md:{line}: ") and message in p for p in result.problems), (
        result.problems
    )


def test_all_problems_of_a_file_are_reported_at_once():
    text = _file(BASE + "\ncolour: red", "## Contain\n- [ ] x {due: 4y}\n- [ ] y {role: cook}\n")
    problems = parse_text(text, "pb.md").problems
    assert [p.split(":")[1] for p in problems] == ["5", "8", "9"]


def test_a_broken_file_keeps_its_slug_and_title_for_the_list():
    broken = parse_text(_file(BASE, "## Contain\n- [ ] x {due: soon}\n"), "pb.md")
    assert (broken.slug, broken.title) == ("t", "T")


def test_duplicate_slugs_leave_the_second_file_broken(tmp_path):
    (tmp_path / "a.md").write_text(_file(BASE))
    (tmp_path / "b.md").write_text(_file("title: Other\nslug: t\nversion: 1"))
    (tmp_path / "README.md").write_text("not a playbook")
    library = load_library(tmp_path)
    assert list(library.playbooks) == ["t"]
    assert library.problems == [
        f"{tmp_path / 'b.md'}:3: slug 't' is already used by {tmp_path / 'a.md'}"
    ]


def test_unreadable_and_missing_folders_are_problems_not_crashes(tmp_path):
    (tmp_path / "bin.md").write_bytes(b"\xff\xfe\x00bad")
    assert load_library(tmp_path).problems == [f"{tmp_path / 'bin.md'}:1: file is not UTF-8 text"]
    assert load_library(tmp_path / "nope").problems[0].endswith(":0: playbooks folder not found")


def test_offsets_and_hash():
    assert parse_offset("30m") == timedelta(minutes=30)
    assert parse_offset("4h") == timedelta(hours=4)
    assert parse_offset("365d") == timedelta(days=365)
    for bad in ("", "4", "h", "1.5h", "4w", "366d", "-1h"):
        assert parse_offset(bad) is None
    assert content_hash("a\r\nb  \n") == content_hash("a\nb")
    assert content_hash("a\nb") != content_hash("a\nc")


def test_crlf_files_parse_like_lf_files():
    assert isinstance(parse_text(GOOD.replace("\n", "\r\n")), Playbook)


def test_matching_by_cause_or_category():
    playbook = parse_text(GOOD)
    assert playbook.matches(cause="misdelivery", data_categories=[])
    assert playbook.matches(cause="other", data_categories=["name", "email"])
    assert not playbook.matches(cause="malware", data_categories=["name"])
