"""The docs keep up with the code: every hook and plain-data type in docs/plugins.md, its example real, commands named."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from core import hookspecs, plugins
from core.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "plugins.md").read_text()
EXAMPLE = ROOT / "tests" / "example_module"


def hookspec_signatures() -> dict[str, str]:
    """Each hook's signature as written in core/hookspecs.py, e.g. "register_commands(cli: click.Group) -> None"."""
    signatures = {}
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(function, "ppp_spec"):
            signature = inspect.signature(function)
            parameters = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
            signatures[name] = f"{name}({parameters}) -> {signature.return_annotation}"
    return signatures


def test_every_hook_is_documented_with_its_exact_signature():
    missing = [
        signature for signature in hookspec_signatures().values() if f"#### `{signature}`" not in GUIDE
    ]

    assert missing == [], "document these hooks in docs/plugins.md (Reference, Hooks): " + "; ".join(missing)


def test_every_documented_hook_exists():
    documented = re.findall(r"^#### `(\w+)\(", GUIDE, flags=re.MULTILINE)

    assert sorted(set(documented) - set(hookspec_signatures())) == []
    assert len(documented) == len(set(documented))


def test_every_plain_data_type_is_documented():
    types = [name for name in plugins.__all__ if name != "hookimpl"]

    assert [name for name in types if f"`{name}(" not in GUIDE] == []


def example_blocks() -> list[tuple[str, str]]:
    """(file, code) for each code block in the guide marked as coming from the example module."""
    pattern = re.compile(r"<!-- example: (\S+) -->\n```[\w+-]*\n(.*?)\n```", flags=re.DOTALL)
    return pattern.findall(GUIDE)


def test_example_code_in_the_guide_is_the_tested_example_module():
    blocks = example_blocks()

    assert len(blocks) >= 10
    for path, code in blocks:
        assert code in (EXAMPLE / path).read_text(), (
            f"docs/plugins.md shows {path} differently from {EXAMPLE / path}"
        )


def test_every_file_of_the_example_module_is_shown_in_the_guide():
    files = sorted(
        str(path.relative_to(EXAMPLE))
        for path in EXAMPLE.rglob("*")
        if path.suffix in {".py", ".html"} and "__pycache__" not in path.parts
    )

    assert sorted(set(files) - {path for path, _ in example_blocks()}) == []


def command_names() -> set[str]:
    """Every top-level ppp command: the core's own and those the core areas add through register_commands."""
    from core import create_app
    from core.testing.fixtures import TEST_SECRET

    app = create_app(
        config={"PPP_ENV": "test", "SECRET_KEY": TEST_SECRET, "DATABASE_URL": "sqlite://"}, modules=[]
    )
    return set(cli.commands) | set(app.cli.commands)


def test_readme_and_architecture_name_every_command():
    text = (ROOT / "README.md").read_text() + (ROOT / "docs" / "ARCHITECTURE.md").read_text()

    names = command_names()

    assert {"db", "serve", "worker", "lookups", "modules", "demo"} <= names
    assert sorted(name for name in names if f"ppp {name}" not in text) == []


def test_every_slot_a_core_template_renders_is_in_the_architecture_table():
    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    slots = {
        slot
        for template in (ROOT / "core").rglob("*.html")
        for slot in re.findall(r"render_slot\(\s*\"([\w.]+)\"", template.read_text())
    }

    assert "home.notices" in slots
    assert sorted(slot for slot in slots if f"| `{slot}` |" not in architecture) == []
