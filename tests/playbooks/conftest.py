"""Playbook fixtures: a folder of playbook files the app uses in place of the shipped one."""

from pathlib import Path

import pytest

from leaktrack.playbooks.parse import load_library

SIMPLE = """---
title: Simple drill
slug: drill
version: {version}
applies_to:
  causes: [misdelivery]
summary: A short playbook for tests.
---
## Contain
- [ ] Stop the mail {{due: 2h, role: responder}}
Guidance for stopping.

## Notify
- [ ] Tell the regulator {{due: 3d, role: legal}}
- [ ] Tell the people
"""


class Folder:
    """A temporary playbooks folder that the running app reads after each `write`."""

    def __init__(self, app, path: Path):
        self.app, self.path = app, path

    def write(self, name: str, text: str) -> Path:
        target = self.path / name
        target.write_text(text, encoding="utf-8")
        self.reload()
        return target

    def reload(self) -> None:
        self.app.extensions["leaktrack_playbooks"] = load_library(self.path)


@pytest.fixture
def playbook_folder(app, tmp_path):
    """A folder holding `drill.md` (version 1), loaded into the app for the test."""
    shipped = app.extensions["leaktrack_playbooks"]
    folder = Folder(app, tmp_path)
    folder.write("drill.md", SIMPLE.format(version=1))
    yield folder
    app.extensions["leaktrack_playbooks"] = shipped
