"""`playbooks check`: file:line problems, duplicate slugs, and a version bump the database needs."""

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.playbooks import service

from .conftest import SIMPLE


def test_the_shipped_playbooks_check_clean(runner):
    result = runner.invoke(args=["playbooks", "check"])
    assert result.exit_code == 0, result.output
    assert "7 playbooks" in result.output and "all valid" in result.output


def test_problems_are_printed_as_file_line_message(runner, tmp_path):
    (tmp_path / "bad.md").write_text(SIMPLE.format(version=1).replace("{due: 2h", "{due: 2y"))
    (tmp_path / "dup.md").write_text(SIMPLE.format(version=1))
    result = runner.invoke(args=["playbooks", "check", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{tmp_path / 'bad.md'}:10: bad due offset '2y'" in lines[0]
    assert "2 problem(s)" not in lines[0]
    # bad.md is broken, so dup.md keeps the slug and only the one problem is left
    assert lines[-1] == f"1 problem(s) in {tmp_path}"


def test_a_duplicate_slug_is_reported(runner, tmp_path):
    (tmp_path / "a.md").write_text(SIMPLE.format(version=1))
    (tmp_path / "b.md").write_text(SIMPLE.format(version=1))
    result = runner.invoke(args=["playbooks", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        f"{tmp_path / 'b.md'}:3: slug 'drill' is already used by {tmp_path / 'a.md'}"
        in result.output
    )


def test_a_changed_file_needs_a_version_bump_once_a_run_used_it(app, runner, playbook_folder):
    with app.app_context():
        incident = incidents.create_incident(actor=None, data={"title": "Leak"})
        service.start_run(incident=incident, slug="drill", actor=None)
        db.session.commit()
    folder = str(playbook_folder.path)
    assert runner.invoke(args=["playbooks", "check", folder]).exit_code == 0

    edited = SIMPLE.format(version=1).replace("Tell the people", "Tell the people by letter")
    path = playbook_folder.write("drill.md", edited)
    result = runner.invoke(args=["playbooks", "check", folder])
    assert result.exit_code == 1
    assert f"{path}:4: the content changed but version 1 is already used by a run" in result.output
    assert "raise version to 2" in result.output

    playbook_folder.write("drill.md", edited.replace("version: 1", "version: 2"))
    assert runner.invoke(args=["playbooks", "check", folder]).exit_code == 0

    playbook_folder.write("drill.md", edited.replace("version: 1", "version: 0"))
    result = runner.invoke(args=["playbooks", "check", folder])
    assert ":4: version must be a whole number" in result.output


def test_a_version_below_one_already_used_is_refused(app, runner, playbook_folder):
    with app.app_context():
        incident = incidents.create_incident(actor=None, data={"title": "Leak"})
        playbook_folder.write("drill.md", SIMPLE.format(version=3))
        service.start_run(incident=incident, slug="drill", actor=None)
        db.session.commit()
    playbook_folder.write("drill.md", SIMPLE.format(version=2).replace("people", "folk"))
    result = runner.invoke(args=["playbooks", "check", str(playbook_folder.path)])
    assert result.exit_code == 1
    assert ":4: version 2 is lower than version 3 already used by a run; raise version to 4" in (
        result.output
    )


def test_check_without_a_migrated_database_still_checks_the_files(tmp_path):
    from tests.conftest import make_test_app

    (tmp_path / "a.md").write_text(SIMPLE.format(version=1))
    app = make_test_app(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path / "instance")
    result = app.test_cli_runner().invoke(args=["playbooks", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "warning: versions not compared with the database" in result.output
    assert "1 playbook in" in result.output
