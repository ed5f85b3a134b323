"""One place pins the versions (requirements.txt); environment.yml and the venv agree with it."""

import re
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pins(lines):
    pins = {}
    for line in lines:
        m = re.fullmatch(r"\s*(?:-\s+)?([A-Za-z0-9_.\-]+)==([^\s#]+)\s*(?:#.*)?", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_environment_yml_pins_equal_requirements():
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    environment = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert requirements["torch"] == "2.13.0"
    assert environment == requirements


def test_installed_versions_are_the_pinned_ones():
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    for name, pinned in requirements.items():
        assert version(name).split("+")[0] == pinned, name
