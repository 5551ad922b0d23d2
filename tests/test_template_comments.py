"""Django's ``{# #}`` comment ends at the end of its line: one spread over several lines is
not a comment at all, and prints on the page. Longer notes use ``{% comment %}``."""

from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_no_template_has_a_one_line_comment_spread_over_several_lines() -> None:
    broken = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert broken == []
