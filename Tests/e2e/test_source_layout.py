"""The modules are what Package.swift and the README say they are: each module imports only what its
target declares (so a layer cannot quietly reach past the ones below it), and the README's layout
names every module."""
import glob
import json
import os
import re
import subprocess

from conftest import ROOT

# Modules of the toolchain and the platform, which no target declares.
PLATFORM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Dispatch", "Synchronization", "XCTest"}


def package():
    result = subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def declared(target):
    names = set()
    for dependency in target["dependencies"]:
        kind, value = next(iter(dependency.items()))
        names.add(value[0])
    return names


def test_every_module_imports_only_what_its_target_declares():
    problems = []
    for target in package()["targets"]:
        if target["type"] in ("system", "plugin"):
            continue
        folder = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", target["name"])
        for path in glob.glob(os.path.join(ROOT, folder, "**", "*.swift"), recursive=True):
            for module in re.findall(r"^(?:@testable )?import (\w+)", open(path).read(), re.M):
                if module not in PLATFORM and module not in declared(target) and module != target["name"]:
                    problems.append(f"{os.path.relpath(path, ROOT)} imports {module}, which {target['name']} does not declare")
    assert not problems, "\n".join(problems)


def test_the_readme_layout_names_every_module():
    readme = open(os.path.join(ROOT, "README.md")).read()
    layout = readme[readme.index("## Layout"):]
    modules = {name for name in os.listdir(os.path.join(ROOT, "Sources")) if os.path.isdir(os.path.join(ROOT, "Sources", name))}
    named = set()
    for line in layout.splitlines():
        if line.startswith("Sources/"):
            first, *rest = line.split()
            named.add(first.removeprefix("Sources/"))
            # "Sources/CFastCGI CJWT CLibPQ   system-library targets": more names before the description.
            for word in rest:
                if word not in modules:
                    break
                named.add(word)
    assert modules == named, f"not in the README: {modules - named}; gone from Sources: {named - modules}"
