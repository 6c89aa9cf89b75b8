"""Templates: front matter, strict placeholders with their line, sanitised HTML, text part."""

import ast
from pathlib import Path

import pytest

from leaktrack.notifications import render
from leaktrack.notifications.render import TemplateProblem

SHIPPED = Path(__file__).resolve().parents[2] / "notifications"
CORE = ("render.py", "transports.py", "dispatch.py")
INCIDENT = {
    "ref": "LT-2026-0001",
    "title": "Customer database copied",
    "occurred_at": "1 December 2026",
    "aware_at": "2 December 2026",
    "cause": "Unauthorized access",
    "data_categories": "Name, Login credentials",
    "data_category_codes": ["name", "credentials"],
    "data_encrypted": False,
}


def write(tmp_path, text, name="t.en.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_delivery_core_imports_no_flask():
    folder = Path(render.__file__).parent
    for name in CORE:
        tree = ast.parse((folder / name).read_text())
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(m.split(".")[0].startswith("flask") for m in imported), name
        assert {m for m in imported if m.startswith("leaktrack")} <= {
            "leaktrack.notifications.render",
            "leaktrack.notifications.transports",
        }, name


def test_every_shipped_template_loads():
    templates = render.load_templates(SHIPPED)
    keys = set(templates)
    for key in [
        ("customer-notice", "ja"),
        ("customer-notice", "en"),
        ("ppc-preliminary", "ja"),
        ("ppc-final", "ja"),
        ("gdpr-art33", "en"),
        ("internal-reminder", "en"),
        ("internal-weekly-digest", "en"),
    ]:
        assert key in keys
    assert templates[("ppc-preliminary", "ja")].rule == "JP-APPI-PPC-PRELIM"
    assert templates[("ppc-final", "ja")].rule == "JP-APPI-PPC-FINAL"
    assert templates[("gdpr-art33", "en")].rule == "EU-GDPR-33"


def test_the_ppc_reports_carry_every_item_the_rule_requires():
    for name in ("ppc-preliminary.ja.md", "ppc-final.ja.md"):
        text = (SHIPPED / name).read_text(encoding="utf-8")
        for item in (
            "(1) 概要",
            "(2) 漏えい等が発生し",
            "(3) 漏えい等が発生し",
            "(4) 原因",
            "(5) 二次被害",
            "(6) 本人への対応",
            "(7) 公表",
            "(8) 再発防止",
            "(9) その他",
        ):
            assert item in text, (name, item)
    gdpr = (SHIPPED / "gdpr-art33.en.md").read_text()
    for item in ("Art. 33(3)(a)", "Art. 33(3)(b)", "Art. 33(3)(c)", "Art. 33(3)(d)", "Art. 33(1)"):
        assert item in gdpr


def test_an_unknown_placeholder_is_refused_with_its_line(tmp_path):
    path = write(
        tmp_path,
        "---\nsubject: Hi\naudience: customer\nlanguage: en\n---\nHello\n\n{{ incidnet.ref }}\n",
    )
    with pytest.raises(TemplateProblem) as caught:
        render.parse_template(path)
    assert caught.value.line == 8
    assert str(caught.value) == f"{path}:8: unknown placeholder 'incidnet'"


def test_an_unknown_recipient_value_is_refused(tmp_path):
    path = write(
        tmp_path, "---\nsubject: Hi\naudience: customer\nlanguage: en\n---\n{{ recipient.phone }}\n"
    )
    with pytest.raises(TemplateProblem, match=r":6: unknown placeholder 'recipient.phone'"):
        render.parse_template(path)


def test_a_placeholder_in_the_subject_is_checked_too(tmp_path):
    path = write(
        tmp_path, "---\naudience: customer\nsubject: '{{ secret }}'\nlanguage: en\n---\nx\n"
    )
    with pytest.raises(TemplateProblem, match=r":3: unknown placeholder 'secret'"):
        render.parse_template(path)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("subject: x\n", 1, "must start with a '---'"),
        ("---\nsubject: x\n", 1, "not closed"),
        ("---\nsubject: [x\naudience: customer\n---\n", 3, "not valid YAML"),
        ("---\nsubject: x\naudience: press\nlanguage: en\n---\n", 3, "'audience' must be"),
        ("---\nsubject: x\naudience: customer\nlanguage: fr\n---\n", 4, "'language' must be"),
        ("---\nsubject: x\naudience: regulator\nlanguage: en\n---\n", 2, "names the obligation"),
        (
            "---\nsubject: x\naudience: customer\nlanguage: en\ncolour: red\n---\n",
            5,
            "unknown front-matter key",
        ),
        (
            "---\nsubject: x\naudience: customer\nlanguage: en\n---\n\n{% if %}\n",
            7,
            "Expected an expression",
        ),
    ],
)
def test_broken_front_matter_and_syntax_name_their_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(TemplateProblem) as caught:
        render.parse_template(path)
    assert caught.value.line == line
    assert message in caught.value.message


def test_a_missing_value_at_render_names_its_line(tmp_path):
    path = write(
        tmp_path,
        "---\nsubject: x\naudience: customer\nlanguage: en\n---\nA\nB {{ incident.nope }}\n",
    )
    template = render.parse_template(path)
    with pytest.raises(TemplateProblem, match=r":7: 'dict object' has no attribute 'nope'"):
        render.render(template, {"incident": {"ref": "x"}})


def test_the_sandbox_refuses_unsafe_attribute_access(tmp_path):
    path = write(
        tmp_path,
        "---\nsubject: x\naudience: customer\nlanguage: en\n---\n{{ incident.__class__.__mro__ }}\n",
    )
    template = render.parse_template(path)
    with pytest.raises(TemplateProblem):
        render.render(template, {"incident": {}})


def test_html_is_sanitised_and_recipient_values_escaped():
    template = render.load_templates(SHIPPED)[("customer-notice", "en")]
    incident = {**INCIDENT, "title": "<script>alert(1)</script>"}
    fields = render.merged_fields(
        template, {"what_happened": "See <img src=x onerror=alert(1)> [x](javascript:alert(1))"}
    )
    tagged = render.render(template, {"incident": incident, "fields": fields})
    assert "<script" not in tagged.html and "onerror" not in tagged.html
    assert "javascript:" not in tagged.html
    person = render.personalize(
        tagged, render.substitutions({"name": "<b>Ann</b> & co", "data": "Name"})
    )
    assert "Dear &lt;b&gt;Ann&lt;/b&gt; &amp; co," in person.html
    assert "Dear <b>Ann</b> & co," in person.text
    assert "-lt-" not in person.html + person.text + person.subject


def test_the_shared_content_carries_tags_not_values():
    template = render.load_templates(SHIPPED)[("customer-notice", "ja")]
    tagged = render.render(
        template, {"incident": INCIDENT, "fields": render.merged_fields(template, {})}
    )
    assert render.text_tag("name") in tagged.text and render.html_tag("name") in tagged.html
    assert render.text_tag("name") not in tagged.html
    person = render.render(
        template,
        {"incident": INCIDENT, "fields": render.merged_fields(template, {})},
        recipient={"name": "山田 太郎", "data": "氏名"},
    )
    assert "山田 太郎 様" in person.text and "**" not in person.text
    assert "パスワードを変更" in person.text  # credentials leaked → advice
    assert "利用明細" not in person.text  # no payment data → no such advice


def test_substitution_values_are_strings_and_tags_do_not_overlap():
    subs = render.substitutions({"name": None, "email": "a@example.test", "data": 3})
    assert all(isinstance(v, str) for v in subs.values())
    tags = list(subs)
    assert not any(a != b and a in b for a in tags for b in tags)


def test_a_template_id_and_language_twice_is_refused(tmp_path):
    head = "---\nsubject: x\naudience: customer\nlanguage: en\n{extra}---\nx\n"
    write(tmp_path, head.format(extra=""), "a.en.md")
    write(tmp_path, head.format(extra="id: a\n"), "b.md")
    with pytest.raises(TemplateProblem, match="exists twice"):
        render.load_templates(tmp_path)


def test_a_broken_template_folder_stops_the_app_at_start(tmp_path):
    from tests.conftest import make_test_app

    write(
        tmp_path,
        "---\nsubject: x\naudience: customer\nlanguage: en\n---\n{{ oops }}\n",
        "bad.en.md",
    )
    with pytest.raises(TemplateProblem, match=r"bad.en.md:6: unknown placeholder 'oops'"):
        make_test_app("sqlite://", tmp_path, LEAKTRACK_TEMPLATES_DIR=str(tmp_path))
