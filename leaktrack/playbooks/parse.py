"""Playbook files: Markdown with YAML front matter, phases and checklist items.

A file reads::

    ---
    title: Mail sent to the wrong recipient
    slug: misdelivery
    version: 1
    applies_to:
      causes: [misdelivery]
      data_categories: [name, address]
    summary: One line on when to use it.
    ---
    Guidance before the first phase (optional).

    ## Contain
    - [ ] Ask the recipient to delete the message {due: 2h, role: responder}
    Free Markdown between items is guidance.

Parsing never raises for bad content: it returns a `Broken` with every problem as
`file:line: message`. This module imports no Flask.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import yaml

from leaktrack.vocab import CAUSES, DATA_CATEGORIES

FRONT_KEYS = ("title", "slug", "version", "applies_to", "summary")
REQUIRED_KEYS = ("title", "slug", "version")
APPLIES_KEYS = ("causes", "data_categories")
ITEM_KEYS = ("due", "role")
#: who is expected to do an item: a team function, not a leaktrack login role
ITEM_ROLES = (
    "responder",
    "security",
    "it",
    "legal",
    "privacy",
    "communications",
    "customer_support",
    "vendor_manager",
    "hr",
    "management",
)
UNITS = {"m": "minutes", "h": "hours", "d": "days"}
MAX_OFFSET = timedelta(days=365)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
OFFSET = re.compile(r"^(\d{1,6})\s*([mhd])$")
PHASE = re.compile(r"^##\s+(.+?)\s*#*\s*$")
ITEM = re.compile(r"^[-*]\s+\[( |x|X)\]\s*(.*)$")
ATTRS = re.compile(r"\{([^{}]*)\}\s*$")
MAX_TEXT = 500
MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Item:
    """One checklist line of a playbook."""

    phase: str
    text: str
    due: timedelta | None
    due_text: str | None
    role: str | None
    line: int


@dataclass(frozen=True)
class Phase:
    """A `## heading` with its items and the guidance written between them."""

    title: str
    guidance: str
    items: tuple[Item, ...]
    #: the phase to show: guidance as written, items as "☐ text (4h · legal)" list lines
    markdown: str


@dataclass(frozen=True)
class Playbook:
    """A playbook that parsed cleanly."""

    path: str
    slug: str
    title: str
    version: int
    causes: tuple[str, ...]
    data_categories: tuple[str, ...]
    summary: str
    introduction: str
    phases: tuple[Phase, ...]
    content_hash: str
    #: the line of `version:` in the file, where `playbooks check` points
    version_line: int = 1
    is_broken: bool = False

    @property
    def items(self) -> list[Item]:
        return [item for phase in self.phases for item in phase.items]

    def matches(self, *, cause: str | None, data_categories) -> bool:
        """Whether the playbook applies to an incident with this cause and these categories."""
        return (cause in self.causes) or bool(
            set(data_categories or ()) & set(self.data_categories)
        )

    def snapshot(self) -> dict:
        """What a run keeps of this version: enough to show it after the file changed."""
        return {
            "title": self.title,
            "summary": self.summary,
            "introduction": self.introduction,
            "phases": [{"title": p.title, "guidance": p.guidance} for p in self.phases],
        }


@dataclass(frozen=True)
class Broken:
    """A file that cannot be used, with every problem found in it."""

    path: str
    problems: tuple[str, ...]
    slug: str | None = None
    title: str | None = None
    is_broken: bool = True


@dataclass
class _Reader:
    path: str
    problems: list[str] = field(default_factory=list)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(f"{self.path}:{line}: {message}")


def content_hash(text: str) -> str:
    """A digest of the file that ignores line endings and trailing spaces."""
    normal = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    return hashlib.sha256(normal.encode()).hexdigest()


def parse_offset(text: str) -> timedelta | None:
    """'30m', '4h' or '3d' as a timedelta; None when it is not one of those."""
    match = OFFSET.match(text.strip())
    if not match:
        return None
    value = timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    return value if value <= MAX_OFFSET else None


def _split_front(reader: _Reader, lines: list[str]) -> tuple[list[str], int] | None:
    if not lines or lines[0].strip() != "---":
        reader.problem(1, "the file must start with a '---' line opening the front matter")
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return lines[1:index], index + 1
    reader.problem(1, "the front matter opened here is never closed with '---'")
    return None


def _key_lines(text: str) -> dict[str, int]:
    """Line (within the front matter, from 1) of each top-level and applies_to key."""
    found: dict[str, int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return found
    if not isinstance(node, yaml.MappingNode):
        return found
    for key, value in node.value:
        found[str(key.value)] = key.start_mark.line + 1
        if key.value == "applies_to" and isinstance(value, yaml.MappingNode):
            for sub, _ in value.value:
                found[f"applies_to.{sub.value}"] = sub.start_mark.line + 1
    return found


def _vocab_list(reader, value, vocab, line: int, name: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        reader.problem(line, f"applies_to.{name} must be a list of words")
        return ()
    for unknown in [v for v in values if v not in vocab]:
        reader.problem(line, f"unknown {name} value '{unknown}'; known: {', '.join(vocab)}")
    return tuple(v for v in values if v in vocab)


def _front(reader: _Reader, front_lines: list[str]) -> dict | None:
    text = "\n".join(front_lines)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        reason = getattr(error, "problem", None) or "not valid YAML"
        hint = " (put a value that contains ': ' in double quotes)" if "mapping" in reason else ""
        reader.problem(line, f"front matter is not valid YAML: {reason}{hint}")
        return None
    if not isinstance(data, dict):
        reader.problem(2, "front matter must be 'key: value' lines")
        return None
    lines = {key: line + 1 for key, line in _key_lines(text).items()}
    result: dict = {}
    for key in data:
        if key not in FRONT_KEYS:
            reader.problem(
                lines.get(str(key), 2),
                f"unknown key '{key}' in front matter; known: {', '.join(FRONT_KEYS)}",
            )
    for key in REQUIRED_KEYS:
        if key not in data:
            reader.problem(1, f"front matter is missing '{key}'")
    title = data.get("title")
    if "title" in data and (not isinstance(title, str) or not title.strip()):
        reader.problem(lines.get("title", 2), "title must be a non-empty line of text")
    slug = data.get("slug")
    if "slug" in data and (not isinstance(slug, str) or not SLUG.match(slug)):
        reader.problem(
            lines.get("slug", 2),
            "slug must be lower-case letters, digits and hyphens (e.g. 'wrong-recipient')",
        )
    version = data.get("version")
    if "version" in data and (
        isinstance(version, bool) or not isinstance(version, int) or version < 1
    ):
        reader.problem(lines.get("version", 2), "version must be a whole number from 1 up")
    summary = data.get("summary", "")
    if not isinstance(summary, str):
        reader.problem(lines.get("summary", 2), "summary must be text")
        summary = ""
    applies = data.get("applies_to") or {}
    applies_line = lines.get("applies_to", 2)
    causes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    if not isinstance(applies, dict):
        reader.problem(applies_line, "applies_to must have 'causes' and/or 'data_categories'")
    else:
        for key in applies:
            if key not in APPLIES_KEYS:
                reader.problem(
                    lines.get(f"applies_to.{key}", applies_line),
                    f"unknown key '{key}' in applies_to; known: {', '.join(APPLIES_KEYS)}",
                )
        if "causes" in applies:
            causes = _vocab_list(
                reader,
                applies["causes"],
                CAUSES,
                lines.get("applies_to.causes", applies_line),
                "causes",
            )
        if "data_categories" in applies:
            categories = _vocab_list(
                reader,
                applies["data_categories"],
                DATA_CATEGORIES,
                lines.get("applies_to.data_categories", applies_line),
                "data_categories",
            )
    result.update(
        title=title.strip() if isinstance(title, str) else None,
        slug=slug if isinstance(slug, str) else None,
        version=version,
        summary=summary.strip(),
        causes=causes,
        data_categories=categories,
        version_line=lines.get("version", 1),
    )
    return result


def _attributes(
    reader: _Reader, raw: str, line: int
) -> tuple[timedelta | None, str | None, str | None]:
    due = due_text = role = None
    seen = set()
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        key, colon, value = (s.strip() for s in part.partition(":"))
        if not colon or not value:
            reader.problem(line, f"'{part}' is not 'key: value' (e.g. {{due: 4h, role: legal}})")
            continue
        if key in seen:
            reader.problem(line, f"'{key}' is given twice")
        seen.add(key)
        if key == "due":
            due = parse_offset(value)
            if due is None:
                reader.problem(
                    line,
                    f"bad due offset '{value}': write a number and m, h or d "
                    "(e.g. 30m, 4h, 3d), at most 365d",
                )
            else:
                due_text = value.replace(" ", "")
        elif key == "role":
            if value not in ITEM_ROLES:
                reader.problem(line, f"unknown role '{value}'; known: {', '.join(ITEM_ROLES)}")
            else:
                role = value
        else:
            reader.problem(line, f"unknown key '{key}' on item; known: {', '.join(ITEM_KEYS)}")
    return due, due_text, role


def _item(reader: _Reader, phase: str, match: re.Match, line: int) -> Item | None:
    if match.group(1) != " ":
        reader.problem(line, "items in a playbook file start unticked: write '- [ ]'")
    text = match.group(2).strip()
    due = due_text = role = None
    attrs = ATTRS.search(text)
    if attrs:
        due, due_text, role = _attributes(reader, attrs.group(1), line)
        text = text[: attrs.start()].strip()
    elif "{" in text:
        reader.problem(line, "an item's '{...}' must close at the end of the line")
    if not text:
        reader.problem(line, "the item has no text")
        return None
    if len(text) > MAX_TEXT:
        reader.problem(line, f"the item is longer than {MAX_TEXT} characters")
    return Item(phase=phase, text=text, due=due, due_text=due_text, role=role, line=line)


def _shown(item: Item) -> str:
    extra = " · ".join(x for x in (item.due_text, item.role) if x)
    return f"- ☐ {item.text}" + (f" *({extra})*" if extra else "")


@dataclass
class _Section:
    title: str
    line: int
    items: list[Item] = field(default_factory=list)
    guidance: list[str] = field(default_factory=list)
    markdown: list[str] = field(default_factory=list)

    def close(self) -> Phase:
        return Phase(
            title=self.title,
            guidance="\n".join(self.guidance).strip(),
            items=tuple(self.items),
            markdown="\n".join(self.markdown).strip(),
        )


def _body(reader: _Reader, lines: list[str], first_line: int) -> tuple[str, list[Phase]]:
    intro: list[str] = []
    sections: list[_Section] = []
    fence = False
    for offset, raw in enumerate(lines):
        number = first_line + offset
        stripped = raw.strip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            fence = not fence
        heading = None if fence else PHASE.match(stripped)
        item = None if fence or raw[:1] in (" ", "\t") else ITEM.match(stripped)
        if heading:
            title = heading.group(1).strip()
            if any(s.title.lower() == title.lower() for s in sections):
                reader.problem(number, f"phase '{title}' appears twice")
            sections.append(_Section(title, number))
        elif item and not sections:
            reader.problem(number, "checklist item before the first '## Phase' heading")
        elif item:
            parsed = _item(reader, sections[-1].title, item, number)
            if parsed:
                sections[-1].items.append(parsed)
                sections[-1].markdown.append(_shown(parsed))
        elif sections:
            sections[-1].guidance.append(raw)
            sections[-1].markdown.append(raw)
        else:
            intro.append(raw)
    for section in sections:
        if not section.items:
            reader.problem(section.line, f"phase '{section.title}' has no checklist items")
    if not sections:
        reader.problem(first_line, "no '## Phase' heading with checklist items")
    return "\n".join(intro).strip(), [s.close() for s in sections]


def parse_text(text: str, path: str = "<playbook>") -> Playbook | Broken:
    """Parse one playbook's text; a Broken lists every problem with its line."""
    reader = _Reader(path)
    lines = text.replace("\r\n", "\n").split("\n")
    split = _split_front(reader, lines)
    if split is None:
        return Broken(path=path, problems=tuple(reader.problems))
    front_lines, body_start = split
    front = _front(reader, front_lines)
    intro, phases = _body(reader, lines[body_start:], body_start + 1)
    if front is None or reader.problems:
        front = front or {}
        return Broken(
            path=path,
            problems=tuple(reader.problems),
            slug=front.get("slug"),
            title=front.get("title"),
        )
    return Playbook(
        path=path,
        slug=front["slug"],
        title=front["title"],
        version=front["version"],
        causes=front["causes"],
        data_categories=front["data_categories"],
        summary=front["summary"],
        introduction=intro,
        phases=tuple(phases),
        content_hash=content_hash(text),
        version_line=front["version_line"],
    )


def parse_file(path: Path) -> Playbook | Broken:
    """Parse one file; unreadable files come back Broken too."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return Broken(str(path), (f"{path}:1: file is larger than {MAX_FILE_BYTES} bytes",))
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return Broken(str(path), (f"{path}:1: file is not UTF-8 text",))
    except OSError as error:
        return Broken(str(path), (f"{path}:1: cannot read the file: {error.strerror}",))
    return parse_text(text, str(path))


@dataclass(frozen=True)
class Library:
    """Every playbook file in a folder: the usable ones by slug and the broken ones."""

    folder: str
    playbooks: dict[str, Playbook]
    broken: tuple[Broken, ...]

    @property
    def problems(self) -> list[str]:
        return [problem for entry in self.broken for problem in entry.problems]

    def all(self) -> list[Playbook | Broken]:
        """Usable and broken entries together, by title."""
        entries: list = [*self.playbooks.values(), *self.broken]
        return sorted(entries, key=lambda e: ((e.title or e.slug or e.path).lower(), e.path))


def playbook_files(folder: Path) -> list[Path]:
    """The playbook files of a folder: every *.md except README.md."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")


def load_library(folder: str | Path | None) -> Library:
    """Parse every playbook in the folder; duplicate slugs make all but the first broken."""
    folder = Path(folder) if folder else Path()
    if not folder.is_dir():
        missing = Broken(str(folder), (f"{folder}:0: playbooks folder not found",))
        return Library(str(folder), {}, (missing,))
    playbooks: dict[str, Playbook] = {}
    broken: list[Broken] = []
    for path in playbook_files(folder):
        entry = parse_file(path)
        if isinstance(entry, Broken):
            broken.append(entry)
        elif entry.slug in playbooks:
            first = playbooks[entry.slug].path
            broken.append(
                Broken(
                    entry.path,
                    (
                        f"{entry.path}:{_slug_line(entry.path)}: slug '{entry.slug}' is already used "
                        f"by {first}",
                    ),
                    slug=entry.slug,
                    title=entry.title,
                )
            )
        else:
            playbooks[entry.slug] = entry
    return Library(str(folder), playbooks, tuple(broken))


def _slug_line(path: str) -> int:
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("slug:"):
            return number
    return 1
