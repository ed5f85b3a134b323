"""The package docstring maps course_lib: every module named once, and nothing named that is gone."""

from __future__ import annotations

import re
from pathlib import Path

import course_lib

PACKAGE = Path(course_lib.__file__).parent


def test_the_package_docstring_names_every_module_once_and_only_modules():
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    modules |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    named = re.findall(r"``(\w+)``", course_lib.__doc__)
    twice = sorted({n for n in named if named.count(n) > 1})
    assert not twice, f"named more than once in course_lib/__init__.py: {twice}"
    assert not modules - set(named), f"missing from course_lib/__init__.py: {modules - set(named)}"
    assert not set(named) - modules, f"named but not in course_lib/: {set(named) - modules}"
