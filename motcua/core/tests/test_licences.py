"""What a production install runs stays MIT-compatible (docs/decisions/0010).

The runtime dependencies of pyproject.toml and everything they pull in (extras left out)
carry no GPL or AGPL licence without a permissive or file-level alternative; the one
package that brings GPL code in (vietnamadminunits → Unidecode) is an optional extra and
imported only inside the commands that build data."""

import ast
import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[3]
COPYLEFT = re.compile(r"(?<!L)\b(A?GPL|GNU (Affero )?General Public)", re.I)
ALTERNATIVE = re.compile(r"\b(MIT|BSD|Apache|MPL|Mozilla|ISC|PSF|Python Software)", re.I)
DATA_ONLY = "vietnamadminunits"


def licence_texts(name: str) -> list[str]:
    meta = metadata.metadata(name)
    texts = [meta.get("License-Expression") or "", (meta.get("License") or "")[:200]]
    texts += [c for c in meta.get_all("Classifier") or [] if c.startswith("License")]
    return [t for t in texts if t]


def forbidden(name: str) -> bool:
    """GPL or AGPL (not LGPL) with no permissive or file-level alternative offered."""
    texts = licence_texts(name)
    return any(COPYLEFT.search(t) for t in texts) and not any(ALTERNATIVE.search(t) for t in texts)


def runtime_closure() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = {**default_environment(), "extra": ""}
    todo = [Requirement(r) for r in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        name = requirement.name.lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for extra in requirement.extras:
            environment_with = {**environment, "extra": extra}
            for raw in metadata.requires(name) or []:
                r = Requirement(raw)
                if r.marker is not None and r.marker.evaluate(environment_with):
                    todo.append(r)
        todo += [Requirement(raw) for raw in metadata.requires(name) or []]
    return seen


def test_the_check_sees_a_gpl_package():
    # Unidecode (GPL-2.0+) is installed for the data-building commands: the check must
    # call it forbidden, and tri-licensed pyphen (MPL-1.1 among its choices) allowed.
    assert forbidden("Unidecode")
    assert not forbidden("pyphen") and not forbidden("psycopg")


def test_no_runtime_dependency_is_gpl_or_agpl():
    closure = runtime_closure()
    assert "django" in closure and "weasyprint" in closure and "pyphen" in closure
    assert DATA_ONLY not in closure and "unidecode" not in closure
    assert [name for name in sorted(closure) if forbidden(name)] == []


def test_vietnamadminunits_is_imported_only_inside_functions():
    """A module-level import would make every process load Unidecode."""
    top_level = []
    for path in (ROOT / "motcua").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] == DATA_ONLY for n in names):
                top_level.append(str(path.relative_to(ROOT)))
    assert top_level == []
