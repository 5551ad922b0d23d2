"""No module or template outside ``data/`` names a region: every name, acronym and area code a
deal file or the areas file gives is data, and the code reads it from there. Migrations (which
record history) and tests (which use the real deal) may name them; so may the documentation."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CODE_SUFFIXES = {".py", ".html", ".txt", ".js", ".mjs", ".scss", ".css", ".yml", ".yaml", ".toml"}
CODE_NAMES = {"Makefile", "Dockerfile", "Procfile.dev", "run"}
EXEMPT_PARTS = {"data", "migrations", "tests", "docs", "node_modules"}
ACRONYM = re.compile(r"\b[A-Z]{2,}\b")

GIT = shutil.which("git") or "git"


def _named_in_data() -> set[str]:
    terms: set[str] = set()
    for path in sorted((ROOT / "data" / "deals").glob("*.yaml")):
        deal = yaml.safe_load(path.read_text(encoding="utf-8"))
        words = [
            deal.get(key, "")
            for key in ("name", "short_name", "authority", "authority_short_name")
            + ("proposition_name", "core_team_name")
        ]
        words += [deal["area"]["code"], deal["area"]["name"]]
        terms.update(w for w in words if w)
        # The acronyms in its names ("TDD", "WMCA"), but not the words every deal uses.
        terms.update(ACRONYM.findall(" ".join(words[1:])))
    with (ROOT / "data" / "areas.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["level"] != "country":
                terms.update((row["name"], row["gss_code"]))
    return terms


def _code_files() -> list[Path]:
    listed = subprocess.run(  # noqa: S603 - git, with arguments written here
        [GIT, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    files = []
    for name in filter(None, listed):
        path = Path(name)
        if EXEMPT_PARTS & set(path.parts) or path.suffix == ".md":
            continue
        if path.suffix in CODE_SUFFIXES or path.name in CODE_NAMES:
            files.append(ROOT / path)
    return files


def test_the_data_names_regions_for_the_guard_to_look_for() -> None:
    terms = _named_in_data()
    # The guard below can fail: the real deal's names are among what it looks for.
    assert {"West Midlands", "WMCA", "TDD", "E47000007", "Birmingham"} <= terms


def test_no_module_or_template_names_a_region() -> None:
    terms = sorted(_named_in_data(), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, terms)) + r")(?![\w])")
    files = _code_files()
    assert len(files) > 100
    found = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for match in [pattern.search(line)]
        if match
    ]
    assert found == []
