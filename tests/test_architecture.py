"""The layers as DESIGN.md draws them, checked from the source: arrows point down only, and no
module imports itself back through others (an import cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage", "standin")
# The composition root: the one module of bot/ that wires in the Telegram edge.
COMPOSITION_ROOT = "bot.app"
# Cycles known and accepted (none).
KNOWN_CYCLES: list[set[str]] = []
# Modules of bot/ besides services and rules that must not speak Telegram either.
CORE_MODULES = {"bot.cards", "bot.followup_cards", "bot.callbacks", "bot.buttons", "bot.scheduler"}
# The stand-in for the Bot API (standin/): its model is plain Python that the tests use too; the
# demo around it speaks HTTP to the bot and never Telegram's library. Only the command line
# starts it.
STANDIN_MODEL = "standin.botapi"
STANDIN_ENTRY = "bot.cli"


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, in functions too, except under `if TYPE_CHECKING:`."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """Names imported by a module: our modules by their dotted name, others as written."""
    out: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif node.module and node.level == 0:
            submodules = [f"{node.module}.{a.name}" for a in node.names]
            hits = [m for m in submodules if m in known]
            # `from handlers import views` imports the module handlers.views.
            out.update(hits if hits else [node.module])
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {
        name: {i for i in imports_of(path, known) if i in known and i != name}
        for name, path in known.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(group)

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [{"a", "b", "c"}]


def test_no_import_cycles():
    found = [c for c in cycles(graph()) if c not in KNOWN_CYCLES]
    assert not found, f"import cycles: {found}"


def test_arrows_point_down():
    known = modules()
    wrong = []
    for name, path in known.items():
        imported = imports_of(path, known)
        layer = name.split(".")[0]
        for target in imported:
            top = target.split(".")[0]
            if layer == "storage" and top in ("bot", "handlers", "telegram"):
                wrong.append((name, target))
            if layer == "bot" and top == "handlers" and name != COMPOSITION_ROOT:
                wrong.append((name, target))
            if name.startswith("bot.rules") and top in ("storage", "telegram", "aiosqlite"):
                wrong.append((name, target))
            # Use cases and cards speak plain values; the edge speaks Telegram.
            in_core = name.startswith(("bot.services", "bot.rules")) or name in CORE_MODULES
            if in_core and top == "telegram":
                wrong.append((name, target))
            if layer == "standin" and top in ("telegram", "handlers"):
                wrong.append((name, target))
            if name == STANDIN_MODEL and (top in PACKAGES or top == "aiohttp"):
                wrong.append((name, target))
            if layer != "standin" and top == "standin" and name != STANDIN_ENTRY:
                wrong.append((name, target))
    assert not wrong, f"imports against the layers: {sorted(wrong)}"
