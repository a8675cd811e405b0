"""Render postmortem Markdown from facts with Jinja2 templates, and Markdown to HTML.

Built-in templates: ``full`` (Protocol 25) and ``short`` (the AI photo detector playbook). A team
template
``<templates_dir>/<name>.md.j2`` gets the same context (``f``: the Facts, ``actions``,
``related``, ``chart``, ``generated_at``, ``root_cause_category``) and may import the
built-in ``_macros.md.j2``; a team file with a built-in name replaces the built-in.
"""

from __future__ import annotations

import base64
import html
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt

from warroom.errors import InvalidInput
from warroom.postmortem import verification
from warroom.postmortem.facts import Facts

BUILTIN = Path(__file__).parent / "templates"


def fmt_utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def fmt_day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def fmt_duration(value: timedelta | None) -> str:
    """ "2 h 5 min", "3 min 20 s", "45 s", "2 d 4 h"."""
    if value is None:
        return "—"
    seconds = round(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    shown = [f"{n} {u}" for n, u in parts if n][:2] or ["0 s"]
    return sign + " ".join(shown)


def fmt_hhmm(value: timedelta) -> str:
    """The AI photo detector playbook's HH:MM form (hours may exceed 24)."""
    minutes = round(value.total_seconds() / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def fmt_seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 120 else fmt_duration(timedelta(seconds=value))


def fmt_num(value: float) -> str:
    return f"{value:.4g}"


def cell(value: Any) -> str:
    """Safe inside a Markdown table cell: no pipes or line breaks."""
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def pretty_json(value: Any) -> str:
    """Readable JSON for a Markdown code block (``tojson`` escapes ``<`` as ``\\u003c`` for
    HTML; a code block needs no such escape)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def status_word(value: str) -> str:
    return value.replace("_", " ").capitalize()


def environment(templates_dir: Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.FileSystemLoader(str(BUILTIN)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,  # Markdown, not HTML: HTML export escapes raw HTML instead
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(
        utc=fmt_utc,
        day=fmt_day,
        dur=fmt_duration,
        hhmm=fmt_hhmm,
        seconds=fmt_seconds,
        num=fmt_num,
        cell=cell,
        status=status_word,
        pretty_json=pretty_json,
        verification_sentence=lambda v, succeeded: verification.sentence(v, succeeded=succeeded),
        verification_rows=verification.table_rows,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": str}
    return env


def render_markdown(
    *,
    facts: Facts,
    template: str,
    actions: list[Any],
    related: list[Any],
    chart: str | None,
    generated_at: datetime,
    root_cause_category: str | None = None,
    templates_dir: Path | None = None,
) -> str:
    """The postmortem draft as Markdown (InvalidInput for an unknown or broken template)."""
    env = environment(templates_dir)
    try:
        tmpl = env.get_template(f"{template}.md.j2")
    except jinja2.TemplateNotFound:
        where = f" or {templates_dir}" if templates_dir else ""
        raise InvalidInput(
            f"no postmortem template {template!r}: use full, short{where}/<name>.md.j2"
        ) from None
    try:
        text = tmpl.render(
            f=facts,
            actions=actions,
            related=related,
            chart=chart,
            generated_at=generated_at,
            root_cause_category=root_cause_category,
        )
    except jinja2.TemplateError as exc:
        raise InvalidInput(f"postmortem template {template!r} failed: {exc}") from exc
    return _tidy(text)


def action_block(*, actions: list[Any], incident_id: str, priority_first: bool) -> str:
    """The marked action-table block of a stored postmortem, re-rendered."""
    source = (
        '{% import "_macros.md.j2" as m %}<!-- warroom:actions -->\n'
        "{{ m.action_table(actions, incident_id, priority_first=pf) }}<!-- /warroom:actions -->"
    )
    return (
        environment()
        .from_string(source)
        .render(actions=actions, incident_id=incident_id, pf=priority_first)
    )


def _tidy(text: str) -> str:
    """At most one blank line in a row, one newline at the end."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() == "" and lines and lines[-1].strip() == "":
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def to_html(markdown: str, *, title: str, images: dict[str, bytes] | None = None) -> str:
    """A standalone HTML page; raw HTML in the Markdown is escaped, images are embedded."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = md.render(markdown)
    for name, data in (images or {}).items():
        uri = "data:image/png;base64," + base64.b64encode(data).decode()
        body = body.replace(f'src="{html.escape(name)}"', f'src="{uri}"')
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;line-height:1.45}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}"
        "blockquote{background:#fff8e1;border-left:4px solid #f0b400;margin:0;padding:.3rem 1rem}"
        "img{max-width:100%}</style></head><body>\n"
        f"{body}</body></html>\n"
    )
