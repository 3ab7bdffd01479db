"""The look shared by bastion's self-contained HTML reports (run, sweep, after-action): one stylesheet.

Each report is one offline file, so the stylesheet is inlined; :func:`page_head` writes the document
head with it, plus the few rules a report adds of its own.
"""

from __future__ import annotations

import html

BASE_CSS = """\
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { margin-bottom: 4px; } .sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0 24px; font-size: 14px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; vertical-align: top; }
.cards { display: flex; gap: 16px; flex-wrap: wrap; margin-bottom: 16px; }
.card { padding: 10px 16px; border-radius: 6px; background: #f4f4f4; }
.card b { font-size: 24px; display: block; } .ok { background: #e3f5e1; } .bad { background: #fbe0e0; }
.note { background: #fff6dd; padding: 6px 10px; } code { font-size: 12px; }
"""


def page_head(title: str, extra_css: str = "") -> str:
    """``<!doctype html>`` up to and including ``<body>``: UTF-8, the escaped ``title``, the shared
    stylesheet and ``extra_css`` (a report's own rules, CSS text)."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>\n<style>\n{BASE_CSS}{extra_css}</style></head><body>\n"
    )
