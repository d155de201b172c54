"""HTML pieces of the run report: the page shell, tables, and a renderer for arbitrary JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827;
       background: #f9fafb; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 28px 32px 60px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #e5e7eb; }
h3 { font-size: 15px; margin: 20px 0 6px; color: #374151; }
.sub { color: #6b7280; margin: 0 0 8px; }
.facts { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0 0; }
.fact { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px 14px; }
.fact b { display: block; font-size: 11px; color: #6b7280; text-transform: uppercase; letter-spacing: .04em; }
table { border-collapse: collapse; background: #fff; margin: 6px 0 10px; font-size: 14px;
        border: 1px solid #e5e7eb; }
th, td { padding: 6px 12px; border-bottom: 1px solid #e5e7eb; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: ui-monospace, monospace; }
td.best { font-weight: 700; color: #1d4ed8; }
tr.this td:first-child { font-weight: 700; }
img { max-width: 100%; background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; }
pre { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 12px 14px;
      font-size: 13px; overflow-x: auto; }
.note { color: #6b7280; font-size: 13px; }
"""


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def cell(value: Any, css: str = "", fmt: str = "") -> str:
    """One ``<td>``; numbers right-aligned, floats as ``fmt`` or to four significant digits."""
    if isinstance(value, float):
        text = format(value, fmt) if fmt else f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"
        css = f"num {css}"
    elif isinstance(value, int) and not isinstance(value, bool):
        text, css = f"{value:,}", f"num {css}"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value)
    else:
        text = "" if value is None else str(value)
    cls = f' class="{css.strip()}"' if css.strip() else ""
    return f"<td{cls}>{escape(text)}</td>"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], row_css: Sequence[str] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for j, row in enumerate(rows):
        css = f' class="{row_css[j]}"' if j < len(row_css) and row_css[j] else ""
        body.append(f"<tr{css}>" + "".join(c if str(c).startswith("<td") else cell(c) for c in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def _records_table(records: Sequence[dict], index: Sequence[str] | None = None) -> str:
    cols: list[str] = []
    for r in records:
        cols += [c for c in r if c not in cols]
    rows = [([index[j]] if index else []) + [r.get(c) for c in cols] for j, r in enumerate(records)]
    return table(([""] if index else []) + cols, rows)


def _flatten(obj: dict, prefix: str = "") -> dict[str, Any] | None:
    """Nested dicts of scalars as dotted keys (``backbone.layers``); None if a record list is inside."""
    out: dict[str, Any] = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            sub = _flatten(v, f"{key}.")
            if sub is None:
                return None
            out.update(sub)
        elif _is_scalar(v) or (isinstance(v, list) and all(map(_is_scalar, v))):
            out[key] = v
        else:
            return None
    return out


def _is_record(r: Any) -> bool:
    return isinstance(r, dict) and bool(r) and all(map(_is_scalar, r.values()))


def render_json(obj: Any, depth: int = 0) -> str:
    """Tables where the shape allows (records, a dict of records, a nested dict of scalars); JSON
    text otherwise."""
    if isinstance(obj, list) and obj and all(map(_is_record, obj)):
        return _records_table(obj)
    if isinstance(obj, dict) and obj:
        if all(map(_is_record, obj.values())):
            return _records_table(list(obj.values()), index=list(obj))
        flat = _flatten(obj)
        if flat is not None:
            return table(["key", "value"], [[k, v] for k, v in flat.items()])
        if depth < 2:  # the simple keys in one table, then a section per structured key
            simple = {k: v for k, v in obj.items() if _flatten({k: v}) is not None}
            out = [render_json(simple, depth + 1)] if simple else []
            out += [
                f"<h3>{escape(str(k))}</h3>{render_json(v, depth + 1)}"
                for k, v in obj.items()
                if k not in simple
            ]
            return "".join(out)
    return f"<pre>{escape(json.dumps(obj, indent=2))}</pre>"
