"""The course's language, English (``"en"``) or Korean (``"ko"``): of check messages and figure words.

The language is, first found:

1. what ``set_language("ko")`` chose in this process;
2. the environment variable ``COURSE_LANGUAGE``;
3. the file ``.course-language`` in the working directory. The Korean edition's folders hold one
   that says ``ko``, and Jupyter starts a notebook's kernel in the notebook's folder, so the
   Korean notebooks speak Korean with the same code as the English ones;
4. English.

``resolve(language)`` turns a caller's ``language=None`` into the current language.
"""

from __future__ import annotations

import os
from pathlib import Path

LANGUAGES = ("en", "ko")
MARKER = ".course-language"  # the file that names a folder's language
ENVIRONMENT = "COURSE_LANGUAGE"

_chosen: str | None = None


def checked(language: str, where: str = "language") -> str:
    """``language`` if it is one of ``LANGUAGES``; else a ValueError that names the choices."""
    if language not in LANGUAGES:
        raise ValueError(f"{where} must be one of {LANGUAGES}, got {language!r}")
    return language


def set_language(language: str | None) -> None:
    """Use ``language`` ("en" or "ko") from now on in this process; None goes back to the default."""
    global _chosen
    _chosen = None if language is None else checked(language)


def current() -> str:
    """The language in use: chosen, else $COURSE_LANGUAGE, else ./.course-language, else "en"."""
    if _chosen is not None:
        return _chosen
    if os.environ.get(ENVIRONMENT):
        return checked(os.environ[ENVIRONMENT].strip(), f"${ENVIRONMENT}")
    marker = Path.cwd() / MARKER
    if marker.is_file():
        return checked(marker.read_text(encoding="utf-8").strip(), str(marker))
    return "en"


def resolve(language: str | None) -> str:
    """``language`` when it is one of ``LANGUAGES``; None means ``current()``; else a ValueError."""
    return current() if language is None else checked(language)
