"""Only the freqnet/backend package may import numpy, scipy or cupy (DESIGN.md §6).

Every module under freqnet/ is parsed with ``ast``; ``import x``,
``from x import y`` (absolute), and ``__import__("x")`` /
``importlib.import_module("x")`` calls are all looked at.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "freqnet"
FORBIDDEN = {"numpy", "scipy", "cupy", "cupyx"}
ALLOWED_DIR = PACKAGE / "backend"


def forbidden_imports(source, filename="<string>"):
    """(line, module) for every import of a forbidden top-level package."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in ("__import__", "import_module") and node.args and \
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        found += [(node.lineno, n) for n in names if n.split(".")[0] in FORBIDDEN]
    return found


def modules():
    files = sorted(PACKAGE.rglob("*.py"))
    assert ALLOWED_DIR / "__init__.py" in files and len(files) > 10
    return [f for f in files if ALLOWED_DIR not in f.parents]


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_does_not_import_array_libraries(path):
    bad = forbidden_imports(path.read_text(encoding="utf-8"), str(path))
    assert not bad, f"{path.relative_to(PACKAGE.parent)} imports {bad}; use freqnet.backend"


def test_backend_is_the_one_that_does():
    found = {n.split(".")[0] for f in ALLOWED_DIR.glob("*.py") for _, n in forbidden_imports(f.read_text())}
    assert found >= {"numpy", "scipy"}


@pytest.mark.parametrize("source", [
    "import numpy", "import numpy as np", "from numpy import fft", "import scipy.fft",
    "from scipy.special import erf", "import cupy", "import cupyx.scipy.special",
    "from cupyx import scatter_add", "def f():\n    import numpy\n",
    "x = __import__('numpy')", "import importlib\nm = importlib.import_module('cupy')",
    "import os, numpy.linalg",
])
def test_checker_catches_each_form(source):
    assert forbidden_imports(source)


@pytest.mark.parametrize("source", [
    "from freqnet import backend", "from .. import backend", "from ..backend import numpy as np",
    "import numbers", "import scipyish", "from . import fft",
])
def test_checker_allows_these(source):
    assert not forbidden_imports(source)
