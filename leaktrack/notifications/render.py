"""Message templates: Markdown with Jinja2 placeholders and a front-matter block.

Part of the delivery core: imports no Flask. A template is refused at load with
`file:line: message` when its front matter is broken or it names a value it will not get.

Values that differ per recipient (name, e-mail, the person's own exposed data) are never
rendered into the shared content: the content carries substitution tags instead, and each
recipient's values travel beside it (SendGrid personalizations' `substitutions`), so a batch of
a thousand recipients is rendered once. `personalize` applies the same tags locally, which is
what previews and stored copies use, so they show exactly what the recipient gets.
"""

from __future__ import annotations

import html
import re
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import nh3
import yaml
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

AUDIENCES = ("customer", "regulator", "internal")
LANGUAGES = ("ja", "en")
#: per-recipient values every template may use as recipient.<name>
RECIPIENT_FIELDS = ("name", "email", "data")
#: top-level names each audience gets without declaring them in `values:`
AUDIENCE_VALUES = {
    "customer": ("incident", "fields", "recipient"),
    "regulator": ("incident", "fields", "recipient", "affected"),
    "internal": ("fields", "recipient"),
}
_FRONT = "---"
_TAGS = (nh3.ALLOWED_TAGS - {"img"}) | {"table", "thead", "tbody", "tr", "th", "td"}
_CLEANER = nh3.Cleaner(
    tags=_TAGS, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow"
)


class TemplateProblem(ValueError):
    """A template that cannot be used, with the file and line to fix."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line or 1}: {message}")


def text_tag(name: str) -> str:
    """The substitution tag that stands for a recipient's value in subject and text."""
    return f"-lt-{name}-"


def html_tag(name: str) -> str:
    """The tag for the same value, HTML-escaped, in the HTML part (never a prefix of text_tag)."""
    return f"-lt-h-{name}-"


_TEXT_TAGS = {name: text_tag(name) for name in RECIPIENT_FIELDS}
_HTML_TAGS = {name: html_tag(name) for name in RECIPIENT_FIELDS}
_SPECIAL = re.compile(r"[&<>\"']")


def substitutions(
    values: Mapping[str, str], names: Iterable[str] = RECIPIENT_FIELDS
) -> dict[str, str]:
    """One recipient's substitutions, strings only, text and HTML forms, for the given names
    (those the content uses: SendGrid's request gets nothing it does not need)."""
    return substituter(names)(values)


def substituter(names: Iterable[str] = RECIPIENT_FIELDS) -> Callable[[Mapping[str, str]], dict]:
    """`substitutions` for a fixed set of names, with the tags looked up once (a batch of
    1,000 recipients calls it 1,000 times)."""
    tags = [(name, _TEXT_TAGS[name], _HTML_TAGS[name]) for name in names]
    special, escape = _SPECIAL.search, html.escape

    def make(values: Mapping[str, str]) -> dict[str, str]:
        result = {}
        for name, text, markup in tags:
            value = values.get(name)
            value = "" if value is None else str(value)
            result[text] = value
            result[markup] = escape(value) if special(value) else value
        return result

    return make


def used_fields(rendered: Rendered) -> tuple[str, ...]:
    """The recipient values whose tags appear in the rendered content."""
    whole = rendered.subject + rendered.text + rendered.html
    return tuple(
        name for name in RECIPIENT_FIELDS if _TEXT_TAGS[name] in whole or _HTML_TAGS[name] in whole
    )


@dataclass(frozen=True)
class Template:
    """One message template in one language."""

    id: str
    language: str
    audience: str
    subject: str
    body: str
    path: str
    #: the line of the file where the body starts (for error messages)
    body_line: int
    #: obligation rule a regulator report files for
    rule: str | None = None
    #: values the sender fills in: name -> {"label", "default"}
    fields: dict = field(default_factory=dict)
    #: extra top-level values the caller provides (internal templates)
    values: tuple[str, ...] = ()
    #: the line of the file that holds the subject
    subject_line: int = 2

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(AUDIENCE_VALUES[self.audience]) | frozenset(self.values)


@dataclass(frozen=True)
class Rendered:
    """A message's three parts, possibly still carrying substitution tags."""

    subject: str
    html: str
    text: str


_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def _split(path: str, source: str) -> tuple[dict, str, int]:
    lines = source.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FRONT:
        raise TemplateProblem(path, 1, "the file must start with a '---' front-matter block")
    for index in range(1, len(lines)):
        if lines[index].strip() == _FRONT:
            break
    else:
        raise TemplateProblem(path, 1, "the front-matter block is not closed with '---'")
    try:
        meta = yaml.safe_load("".join(lines[1:index])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise TemplateProblem(path, line, f"front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise TemplateProblem(path, 2, "front matter must be a mapping of keys to values")
    return meta, "".join(lines[index + 1 :]), index + 2


def _key_line(source: str, key: str) -> int:
    for number, line in enumerate(source.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 2


def _check_meta(path: str, source: str, meta: dict) -> None:
    def fail(key: str, message: str):
        raise TemplateProblem(path, _key_line(source, key), message)

    if not isinstance(meta.get("subject"), str) or not meta["subject"].strip():
        fail("subject", "front matter needs a 'subject'")
    if meta.get("audience") not in AUDIENCES:
        fail("audience", f"'audience' must be one of: {', '.join(AUDIENCES)}")
    if meta.get("language") not in LANGUAGES:
        fail("language", f"'language' must be one of: {', '.join(LANGUAGES)}")
    if meta["audience"] == "regulator" and not isinstance(meta.get("rule"), str):
        fail("rule", "a regulator report names the obligation 'rule' it files for")
    fields = meta.get("fields") or {}
    if not isinstance(fields, dict) or not all(
        isinstance(spec, dict) and isinstance(spec.get("label", ""), str)
        for spec in fields.values()
    ):
        fail("fields", "'fields' maps each name to {label, default}")
    values = meta.get("values") or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        fail("values", "'values' is a list of names")
    unknown = set(meta) - {"id", "subject", "audience", "language", "rule", "fields", "values"}
    if unknown:
        fail(sorted(unknown)[0], f"unknown front-matter key {sorted(unknown)[0]!r}")


def _template_id(path: Path, meta: dict) -> str:
    if isinstance(meta.get("id"), str):
        return meta["id"]
    stem = path.name.removesuffix(".md")
    language = f".{meta.get('language')}"
    return stem.removesuffix(language)


def _check_names(template: Template) -> None:
    """Refuse a top-level name the template will not be given, naming its line."""
    subject_line = template.subject_line
    for source, line_of in (
        (template.subject, lambda _lineno: subject_line),
        (template.body, lambda lineno: lineno + template.body_line - 1),
    ):
        try:
            tree = _ENV.parse(source)
        except TemplateSyntaxError as exc:
            raise TemplateProblem(
                template.path, line_of(exc.lineno or 1), exc.message or "syntax error"
            ) from None
        assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
        for node in tree.find_all(nodes.Name):
            if node.ctx == "load" and node.name not in template.allowed | assigned:
                raise TemplateProblem(
                    template.path, line_of(node.lineno), f"unknown placeholder {node.name!r}"
                )
        for node in tree.find_all(nodes.Getattr):
            if (
                isinstance(node.node, nodes.Name)
                and node.node.name == "recipient"
                and node.attr not in RECIPIENT_FIELDS
            ):
                raise TemplateProblem(
                    template.path,
                    line_of(node.lineno),
                    f"unknown placeholder 'recipient.{node.attr}'",
                )


def parse_template(path: str | Path, source: str | None = None) -> Template:
    """Read and check one template file; TemplateProblem names the line at fault."""
    path = Path(path)
    if source is None:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateProblem(str(path), 1, f"cannot read: {exc}") from None
    meta, body, body_line = _split(str(path), source)
    _check_meta(str(path), source, meta)
    template = Template(
        id=_template_id(path, meta),
        language=meta["language"],
        audience=meta["audience"],
        subject=meta["subject"].strip(),
        body=body,
        path=str(path),
        body_line=body_line,
        rule=meta.get("rule"),
        fields={
            name: {"label": spec.get("label") or name, "default": str(spec.get("default") or "")}
            for name, spec in (meta.get("fields") or {}).items()
        },
        values=tuple(meta.get("values") or ()),
        subject_line=_key_line(source, "subject"),
    )
    _check_names(template)
    return template


def load_templates(folder: str | Path) -> dict[tuple[str, str], Template]:
    """Every `*.md` template in a folder, keyed by (id, language); the first problem raises."""
    found: dict[tuple[str, str], Template] = {}
    for path in sorted(Path(folder).glob("*.md")):
        if path.name.upper() == "README.MD":
            continue
        template = parse_template(path)
        key = (template.id, template.language)
        if key in found:
            raise TemplateProblem(
                str(path), 1, f"template {template.id!r} in {template.language!r} exists twice"
            )
        found[key] = template
    return found


def recipient_tags() -> dict[str, str]:
    """The recipient values as tags, for rendering shared content once per batch."""
    return {name: text_tag(name) for name in RECIPIENT_FIELDS}


def _where(template: Template, exc: BaseException) -> int | None:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == "<template>" and frame.lineno:
            return frame.lineno
    return None


def _render_source(template: Template, source: str, values: dict, first_line: int) -> str:
    try:
        return _ENV.from_string(source).render(values)
    except TemplateError as exc:
        line = _where(template, exc)
        line = first_line + line - 1 if line else first_line
        raise TemplateProblem(template.path, line, exc.message or str(exc)) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError) as exc:
        line = _where(template, exc)
        line = first_line + line - 1 if line else first_line
        raise TemplateProblem(template.path, line, f"cannot render: {exc}") from None


def markdown_to_html(source: str) -> str:
    """Markdown to HTML, sanitised: no scripts, no event handlers, no images, safe links only."""
    raw = markdown.markdown(source, extensions=["tables", "sane_lists"], output_format="html")
    return _CLEANER.clean(raw)


_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def markdown_to_text(source: str) -> str:
    """A plain-text part from the Markdown: readable as it is, minus emphasis marks."""
    text = _LINK.sub(r"\1 <\2>", _EMPHASIS.sub(r"\2", source))
    lines = [
        line.lstrip("#").lstrip() if line.startswith("#") else line for line in text.split("\n")
    ]
    return "\n".join(lines).strip() + "\n"


def render(template: Template, values: Mapping, *, recipient: Mapping | None = None) -> Rendered:
    """Render subject, HTML and text. Without `recipient` the parts carry substitution tags."""
    context = {name: values[name] for name in template.allowed if name in values}
    context.setdefault(
        "fields",
        {name: spec["default"] for name, spec in template.fields.items()},
    )
    context["recipient"] = recipient_tags()
    subject_line = template.subject_line
    subject = " ".join(_render_source(template, template.subject, context, subject_line).split())
    body = _render_source(template, template.body, context, template.body_line)
    tagged_html = markdown_to_html(body)
    for name in RECIPIENT_FIELDS:
        tagged_html = tagged_html.replace(text_tag(name), html_tag(name))
    rendered = Rendered(subject=subject, html=tagged_html, text=markdown_to_text(body))
    return personalize(rendered, substitutions(recipient)) if recipient is not None else rendered


def personalize(rendered: Rendered, subs: Mapping[str, str]) -> Rendered:
    """Apply one recipient's substitutions, exactly as SendGrid does."""

    def apply(text: str) -> str:
        for tag, value in subs.items():
            text = text.replace(tag, value)
        return text

    return Rendered(apply(rendered.subject), apply(rendered.html), apply(rendered.text))


def merged_fields(template: Template, given: Mapping | None) -> dict[str, str]:
    """The sender's field values over the template's defaults (strings, trimmed)."""
    given = given or {}
    return {
        name: str(given.get(name) or "").strip() or spec["default"]
        for name, spec in template.fields.items()
    }


def describe(templates: Iterable[Template]) -> list[dict]:
    """The contract's template list: id, audience, language, subject."""
    return [
        {"id": t.id, "audience": t.audience, "language": t.language, "subject": t.subject}
        for t in sorted(templates, key=lambda t: (t.id, t.language))
    ]
