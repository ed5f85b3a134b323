"""Is it the learner's own work? A reading of the answer's source, and a watch on what it calls.

An exercise asks for code the course or torch already has (``reverse_padded``, an LSTM step,
multi-head attention). A submission that hands the work to that implementation must fail and be
told so. Two guards, used by the notebook's check and by the grader:

- ``scan(source, forbidden)`` reads the answer's code without running it. It refuses imports other
  than math, NumPy and torch (course_lib above all), the builtins that reach code by name or
  rewrite it (``__import__``, ``getattr``, ``exec``, ``globals``, ``open``, ...), private and
  dunder attributes (``torch._C``, ``f.__globals__``), and the names an exercise forbids.
- ``CallWatch(forbidden)`` is a profile hook for the thread that runs the learner's function: it
  records the first call into course_lib's own code (outside these checks) or into a forbidden
  torch function, however it was reached.

Both speak English or Korean (``messages.py``), as the ``language`` argument says.

``forbidden`` holds dotted names: ``"torch.nn.functional.scaled_dot_product_attention"``,
``"torch.nn.LSTM"`` (a class: its ``forward``), or a module (any function in it).
"""

from __future__ import annotations

import ast
import importlib
import sys
import types
from collections.abc import Iterable
from pathlib import Path

from .messages import say

ALLOWED_IMPORTS = frozenset(
    {"math", "cmath", "numpy", "torch", "itertools", "functools", "collections", "typing",
     "dataclasses", "operator", "__future__"}
)  # fmt: skip
FORBIDDEN_BUILTINS = frozenset(
    {"__import__", "exec", "eval", "compile", "getattr", "setattr", "delattr", "globals",
     "locals", "vars", "open", "breakpoint", "input", "get_ipython", "__builtins__"}
)  # fmt: skip
# Attributes that lead to the interpreter, the file system or other modules' code.
FORBIDDEN_ATTRIBUTES = frozenset(
    {"sys", "os", "modules", "importlib", "import_module", "builtins", "subprocess", "system",
     "popen", "load", "loads", "ops", "hub", "inspect", "gc", "ctypes", "pickle", "EXERCISES"}
)  # fmt: skip
CHECKS_DIR = str(Path(__file__).resolve().parent)
COURSE_DIR = str(Path(CHECKS_DIR).parent)
# Folders whose code may call anything: the instructor's answer key adds itself on import, so that
# its references (which may use the course's implementations) pass their own checks in tests.
TRUSTED_CALLERS: list[str] = []


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def scan(source: str, forbidden: Iterable[str] = (), *, language: str) -> str | None:
    """One sentence, in ``language`` ("en" or "ko"), on the first construct the answer may not use.

    source: the code of an answer cell (IPython magics already turned into Python). None when
    the answer uses nothing it may not.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        return say("not_python", language, error=e.msg, line=e.lineno)
    banned = {_last(n): n for n in forbidden}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for module in modules:
                top = module.split(".")[0]
                if top == "course_lib":
                    return say("imports_course", language, line=line, module=module)
                if top not in ALLOWED_IMPORTS or node.__class__ is ast.ImportFrom and node.level:
                    return say("imports_other", language, line=line, module=module or ".")
            for alias in node.names:
                if alias.name.startswith("_") and alias.name != "annotations":
                    return say("imports_private", language, line=line, name=alias.name)
                if alias.name in banned:
                    return say("uses_banned", language, line=line, name=_last(banned[alias.name]))
        elif isinstance(node, ast.Name):
            if node.id in FORBIDDEN_BUILTINS or node.id == "course_lib" or node.id == "EXERCISES":
                return say("uses_forbidden", language, line=line, name=node.id)
            if node.id in banned:
                return say("uses_banned", language, line=line, name=_last(banned[node.id]))
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                return say("uses_private", language, line=line, name=node.attr)
            if node.attr in FORBIDDEN_ATTRIBUTES:
                return say("uses_forbidden_attribute", language, line=line, name=node.attr)
            if node.attr in banned:
                return say("uses_banned", language, line=line, name=_last(banned[node.attr]))
    return None


def forbidden_call(culprit: str, language: str) -> str:
    """The sentence, in ``language``, on a call to ``culprit`` that ``CallWatch`` recorded."""
    if culprit.startswith("course_lib."):
        return say("calls_course", language, culprit=culprit)
    return say("calls_banned", language, culprit=culprit)


def _resolve(name: str) -> object | None:
    """The object a dotted name denotes, or None when it does not exist in this torch."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj
    return None


class CallWatch:
    """A profile hook that records the first forbidden call made by the thread it watches.

    Use ``with watch.on():`` around the learner's call, in the thread that makes it;
    ``watch.culprit`` is then None or the dotted name of the first forbidden call, which
    ``forbidden_call`` words.
    """

    def __init__(self, forbidden: Iterable[str] = ()) -> None:
        self.culprit: str | None = None
        self._codes: dict[types.CodeType, str] = {}
        self._builtins: dict[int, str] = {}
        self._files: dict[str, str] = {}
        for name in forbidden:
            obj = _resolve(name)
            if isinstance(obj, type):
                obj = getattr(obj, "forward", None)
            if isinstance(obj, types.ModuleType) and getattr(obj, "__file__", None):
                self._files[str(Path(obj.__file__).resolve())] = name
            elif isinstance(obj, types.FunctionType):
                self._codes[obj.__code__] = name
            elif isinstance(getattr(obj, "_implementation", None), types.FunctionType):
                self._codes[obj._implementation.__code__] = name  # NumPy 2's dispatchers
            elif obj is not None and callable(obj):
                self._builtins[id(obj)] = name

    def _hook(self, frame, event, arg):  # noqa: ANN001 - the profile protocol
        if self.culprit is not None:
            return
        if event == "c_call":
            self.culprit = self._builtins.get(id(arg))
        elif event == "call":
            code = frame.f_code
            caller = frame.f_back
            by = caller.f_code.co_filename if caller is not None else ""
            if by.startswith((COURSE_DIR, *TRUSTED_CALLERS)) and not by.startswith(CHECKS_DIR):
                return  # a call made by the course's own code, not by the learner's
            if code in self._codes:
                self.culprit = self._codes[code]
                return
            path = code.co_filename
            if path.startswith(COURSE_DIR) and not path.startswith(CHECKS_DIR):
                module = Path(path).relative_to(COURSE_DIR).with_suffix("").as_posix()
                self.culprit = f"course_lib.{module.replace('/', '.')}.{code.co_qualname}"
            elif path in self._files:
                self.culprit = f"{self._files[path]}.{code.co_qualname}"

    def on(self) -> _Watching:
        return _Watching(self)


class _Watching:
    def __init__(self, watch: CallWatch) -> None:
        self.watch = watch

    def __enter__(self) -> CallWatch:
        self._previous = sys.getprofile()
        sys.setprofile(self.watch._hook)
        return self.watch

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous)
