"""Bad playbook files never crash the parser or stop the app."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaktrack.playbooks.parse import Broken, Playbook, parse_text
from tests.conftest import make_test_app

from .conftest import SIMPLE

LINES = st.sampled_from(
    [
        "---",
        "title: T",
        "slug: t",
        "version: 1",
        "version: [1",
        "applies_to: {causes: [vendor]}",
        "applies_to: 7",
        "## Contain",
        "## ",
        "- [ ] do {due: 4h}",
        "- [ ] {due: 99999999d, role: it}",
        "- [x] done",
        "- [ ] x {a:b:c}",
        "```",
        "guidance",
        "  - [ ] indented",
        "",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(LINES, max_size=20), st.text(max_size=40))
def test_any_text_parses_to_a_playbook_or_a_list_of_problems(lines, noise):
    for text in ("\n".join(lines), "\n".join(lines) + noise, noise):
        result = parse_text(text, "f.md")
        assert isinstance(result, Playbook | Broken)
        if isinstance(result, Broken):
            assert result.problems and all(p.startswith("f.md:") for p in result.problems)
            assert all(int(p.split(":")[1]) >= 0 for p in result.problems)


def test_the_app_starts_with_a_broken_or_missing_folder(tmp_path, database_url, make_user):
    (tmp_path / "broken.md").write_text("---\ntitle: [\n")
    (tmp_path / "good.md").write_text(SIMPLE.format(version=1))
    app = make_test_app(database_url, tmp_path / "instance", LEAKTRACK_PLAYBOOKS_DIR=str(tmp_path))
    library = app.extensions["leaktrack_playbooks"]
    assert list(library.playbooks) == ["drill"]
    assert library.problems[0].startswith(f"{tmp_path / 'broken.md'}:")
    missing = make_test_app(
        database_url, tmp_path / "i2", LEAKTRACK_PLAYBOOKS_DIR=str(tmp_path / "no")
    )
    assert (
        missing.extensions["leaktrack_playbooks"].problems[0].endswith("playbooks folder not found")
    )
