"""Print pip constraints pinning every runtime dependency of pyproject.toml to its declared
floor (`name>=1.2` or `name==1.2` becomes `name==1.2`), for the CI job that tests the oldest
versions linclf says it supports. A dependency without a floor is an error: it would claim
every release works."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*?)\s*(;.*)?$")
FLOOR = re.compile(r"(?:>=|==)\s*([0-9][A-Za-z0-9.+!-]*)")


def constraints(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    lines = []
    for requirement in project["dependencies"]:
        match = REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"{pyproject}: cannot read the requirement {requirement!r}")
        name, specifiers, marker = match.groups()
        floors = [FLOOR.fullmatch(part.strip()) for part in specifiers.split(",")]
        found = [floor.group(1) for floor in floors if floor]
        if not found:
            raise SystemExit(f"{pyproject}: {requirement!r} declares no minimum version")
        lines.append(f"{name}=={found[0]}{marker or ''}")
    return lines


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[1] / "pyproject.toml"
    print("\n".join(constraints(path)))
