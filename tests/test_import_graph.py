"""freqnet's module-level import graph has one circle, the documented one.

tensor.py imports autograd and ops at its end (once Tensor exists) and they
import Tensor at their top: that is the only cycle (DESIGN.md §2). Every
module under freqnet/ is parsed with ``ast``; only module-level imports
count (an import inside a function runs later, on call).
"""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "freqnet"
THE_CIRCLE = {"freqnet.tensor", "freqnet.autograd", "freqnet.ops"}


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def exists(name):
    base = PACKAGE.parent / Path(*name.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imports_of(path):
    """The freqnet modules that ``path`` imports at module level."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("freqnet")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("freqnet"):
                target = node.module
            else:
                continue
            for alias in node.names:     # `from pkg import submodule`, or a name of pkg itself
                sub = f"{target}.{alias.name}"
                found.add(sub if exists(sub) else target)
    return {m for m in found if exists(m) and m != name}


def graph():
    return {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    component.add(m)
                    if m == node:
                        break
                if len(component) > 1:
                    out.append(component)
    return out


def test_the_only_import_circle_is_tensor_autograd_ops():
    found = cycles(graph())
    assert len(found) == 1, f"import circles: {found}"
    circle = found[0]
    assert THE_CIRCLE <= circle, circle
    assert all(m in THE_CIRCLE or m.startswith("freqnet.ops.") for m in circle), circle


def test_the_checker_sees_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []
