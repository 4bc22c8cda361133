"""Generate the docs' tables from the sources the code itself reads.

Every generated table sits between ``<!-- BEGIN GENERATED: name -->`` and
``<!-- END GENERATED: name -->`` in a Markdown file; everything outside the
markers is written by hand and left alone. The blocks and their sources:

- ``roles/<role>/README.md``, block ``role-<role>``: the role's variables, from
  its ``meta/argument_specs.yml`` (nested ``options`` included);
- ``README.md``, block ``content``: the roles, modules and public filters with
  their one-line descriptions, from argument_specs and DOCUMENTATION;
- ``docs/plugins.md``, block ``plugins``: every module and filter with its
  description, options, examples and return values, from DOCUMENTATION,
  EXAMPLES and RETURN; the filters whose short_description starts with
  "Internal" after the public ones, under their own heading;
- ``docs/roles.md``, block ``code-map``: the shared Python files with the
  first sentence of their docstrings and the modules that ship each one to
  the managed hosts (from the modules' imports);
- ``docs/engines.md``, blocks ``engine-features`` (the engine version table,
  ``plugins/module_utils/_engine.py`` FEATURES), ``engine-rules`` (what the
  daemon_json module refuses per engine, ``_daemon_json.VERSION_RULES``) and
  ``engine-platforms`` (the tested platforms, ``tests/platforms.yml``).

    python tests/harness/readme_docs.py          rewrite every generated block
    python tests/harness/readme_docs.py --check  exit 1 when any is out of date

A role README without its block gets one appended (a missing README is
created) when run without ``--check``; ``--check`` reports it. A block whose
name nothing generates is an error too (a renamed role or plugin).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
COLLECTION = "ipv6ready.docker"

# The engine versions the engine table has a column for (issue 11: what Kamal
# and Hetzner users run, and what Debian ships). Every engine of
# tests/platforms.yml gets a column too.
ENGINE_COLUMNS = ("20.10", "26.1", "27.0", "28.0", "29.0", "29.6")

BLOCK_RE = re.compile(r"<!-- BEGIN GENERATED: ([\w.-]+) -->\n(.*?)<!-- END GENERATED: \1 -->", re.S)

# Ansible documentation markup: C(code), O(option), V(value), M(module), I(italic),
# B(bold), U(url), L(text,url), E(env), P(plugin#type), R(text,anchor), RV(return value), HORIZONTALLINE.
_MARKUP_RE = re.compile(r"\b(RV|[OVCMIBUELPR])\(")


def _balanced(text, start):
    """Index just past the ``)`` that closes the ``(`` before ``start``, or -1."""
    depth = 1
    i = start
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 2
            continue
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def markup(text):
    """Ansible markup to Markdown, balancing parentheses (``C(sha256(name))``)."""
    out = []
    pos = 0
    while True:
        match = _MARKUP_RE.search(text, pos)
        if not match:
            out.append(text[pos:])
            break
        end = _balanced(text, match.end())
        if end < 0:
            out.append(text[pos:])
            break
        out.append(text[pos : match.start()])
        kind, inner = match.group(1), text[match.end() : end - 1].replace("\\(", "(").replace("\\)", ")")
        if kind in ("O", "V", "C", "E", "M", "RV"):
            out.append("`%s`" % inner)
        elif kind == "P":
            out.append("`%s`" % inner.split("#")[0])
        elif kind == "I":
            out.append("*%s*" % inner)
        elif kind == "B":
            out.append("**%s**" % inner)
        elif kind == "U":
            out.append("<%s>" % inner)
        else:  # L(text,url), R(text,anchor)
            label, target = (inner.split(",", 1) + [""])[:2]
            out.append("[%s](%s)" % (label.strip(), target.strip()) if kind == "L" else label.strip())
        pos = end
    return "".join(out).replace("HORIZONTALLINE", "")


def cell(text):
    """One Markdown table cell: markup converted, pipes escaped, one line."""
    if isinstance(text, list):
        text = " ".join(str(t) for t in text)
    text = markup(str(text if text is not None else ""))
    return re.sub(r"\s*\n\s*", " ", text.replace("|", "\\|")).strip()


def value(data):
    """A value as it would be written in YAML, on one line, as inline code."""
    if isinstance(data, str) and re.fullmatch(r"[\w./:~@+-]+", data) and data not in ("true", "false", "null") and not re.fullmatch(r"[\d.]+", data):
        text = data
    else:
        text = json.dumps(data, ensure_ascii=False)
    return "`%s`" % text.replace("|", "\\|")


def option_type(option):
    kind = option.get("type", "str")
    if kind == "list":
        kind = "list of %s" % option.get("elements", "str")
    return kind


def option_default(option):
    if option.get("required"):
        return "**required**"
    if "default" not in option:
        return ""
    return value(option["default"])


def option_rows(options, prefix=""):
    """Rows ``name | type | default | choices | description``, nested options after their parent."""
    rows = []
    for name, option in options.items():
        option = option or {}
        choices = ", ".join(value(c) for c in option.get("choices") or [])
        rows.append("| `%s%s` | %s | %s | %s | %s |" % (prefix, name, option_type(option), option_default(option), choices, cell(option.get("description"))))
        suboptions = option.get("options") or option.get("suboptions")
        if suboptions:
            rows.extend(option_rows(suboptions, prefix="%s%s%s." % (prefix, name, "[]" if option.get("type") == "list" else "")))
    return rows


def options_table(options, first="Option"):
    if not options:
        return "No options."
    lines = ["| %s | Type | Default | Choices | Description |" % first, "| --- | --- | --- | --- | --- |"]
    return "\n".join(lines + option_rows(options))


def return_rows(values, prefix=""):
    rows = []
    for name, item in (values or {}).items():
        item = item or {}
        rows.append("| `%s%s` | %s | %s | %s |" % (prefix, name, item.get("type", ""), cell(item.get("returned", "")), cell(item.get("description"))))
        contains = item.get("contains")
        if contains:
            rows.extend(return_rows(contains, prefix="%s%s." % (prefix, name)))
    return rows


# --- sources ---------------------------------------------------------------


def role_specs(role_dir):
    path = role_dir / "meta" / "argument_specs.yml"
    return yaml.safe_load(path.read_text())["argument_specs"]["main"]


def roles():
    return [d for d in sorted((ROOT / "roles").iterdir()) if (d / "meta" / "argument_specs.yml").exists()]


def _python_docs(path):
    """DOCUMENTATION, EXAMPLES (text) and RETURN of a plugin file (or a sidecar ``.yml``)."""
    if path.suffix in (".yml", ".yaml"):
        data = yaml.safe_load(path.read_text())
        examples = data.get("EXAMPLES")
        if examples is not None and not isinstance(examples, str):
            examples = yaml.safe_dump(examples, sort_keys=False)
        return data.get("DOCUMENTATION"), examples, data.get("RETURN")
    found = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
            found[node.targets[0].id] = node.value.value
    doc, ret = (yaml.safe_load(found[key]) if key in found else None for key in ("DOCUMENTATION", "RETURN"))
    return doc, found.get("EXAMPLES"), ret


def plugins(kind):
    """``(name, DOCUMENTATION, EXAMPLES, RETURN)`` of every documented plugin of a kind (``modules``, ``filter``)."""
    result = []
    for path in sorted((ROOT / "plugins" / kind).iterdir()):
        if path.suffix not in (".py", ".yml", ".yaml") or path.name.startswith("_"):
            continue
        doc, examples, ret = _python_docs(path)
        if doc:
            result.append((doc.get("module") or doc.get("name") or path.stem, doc, examples, ret))
    return sorted(result, key=lambda item: item[0])


def filter_names(path):
    """The names a filter plugin file registers: the keys of the dict its ``FilterModule.filters()`` returns."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and node.name == "filters":
            for statement in ast.walk(node):
                if isinstance(statement, ast.Return) and isinstance(statement.value, ast.Dict):
                    return [key.value for key in statement.value.keys]
    return []


def filter_files():
    """``(name, DOCUMENTATION, EXAMPLES, RETURN, filter names)`` of every filter file, in name order.

    ``name`` is the one its DOCUMENTATION gives (the first filter it documents); a
    file whose DOCUMENTATION is in a sidecar ``<name>.yml`` is read from there.
    """
    documented = {name: (doc, examples, ret) for name, doc, examples, ret in plugins("filter")}
    files = []
    for path in sorted((ROOT / "plugins" / "filter").glob("*.py")):
        names = filter_names(path)
        found = [name for name in names if name in documented]
        if not found:
            raise SystemExit("%s: no DOCUMENTATION (in the file or in <filter>.yml) for any of %s" % (path, names))
        doc, examples, ret = documented[found[0]]
        files.append((found[0], doc, examples, ret, names))
    return sorted(files, key=lambda item: item[0])


INTERNAL_PREFIX = "Internal"


def is_internal(doc):
    """A plugin whose short_description starts with "Internal" belongs to a role or playbook, not the public API."""
    return str(doc.get("short_description", "")).startswith(INTERNAL_PREFIX)


# The task actions through which a play of site.yml runs a role from its tasks.
INCLUDE_ROLE_ACTIONS = ("ansible.builtin.include_role", "ansible.builtin.import_role", "include_role", "import_role")


def site_plays():
    """``[(play name, [role short names])]`` of playbooks/site.yml, in the order it runs them: each play's
    ``roles``, then the roles its ``tasks`` include (``include_role`` or ``import_role``)."""
    plays = yaml.safe_load((ROOT / "playbooks" / "site.yml").read_text())
    result = []
    for play in plays:
        names = []
        for item in play.get("roles") or []:
            role = item.get("role", item.get("name")) if isinstance(item, dict) else item
            names.append(role.split(".")[-1])
        for task in play.get("tasks") or []:
            for action in INCLUDE_ROLE_ACTIONS:
                if isinstance(task.get(action), dict):
                    names.append(task[action]["name"].split(".")[-1])
        result.append((play.get("name", ""), names))
    return result


def load_engine():
    """``plugins/module_utils/_engine.py``, imported from its file (it needs nothing of Ansible)."""
    path = ROOT / "plugins" / "module_utils" / "_engine.py"
    spec = importlib.util.spec_from_file_location("ipv6ready_engine", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def version_rules():
    """``(key, feature, problem)`` of ``_daemon_json.VERSION_RULES``, read without importing Ansible."""
    path = ROOT / "plugins" / "module_utils" / "_daemon_json.py"
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "VERSION_RULES":
            rules = []
            for entry in node.value.elts:
                parts = entry.elts
                rules.append((parts[0].value, parts[1].value, parts[-1].value))
            return rules
    raise SystemExit("VERSION_RULES not found in %s" % path)


def platforms():
    return yaml.safe_load((ROOT / "tests" / "platforms.yml").read_text())["platforms"]


# --- sections --------------------------------------------------------------


def role_section(role_dir):
    specs = role_specs(role_dir)
    lines = [
        "Generated from `meta/argument_specs.yml` by `make docs`; the role checks every variable against it before it changes anything.",
        "",
        options_table(specs.get("options", {}), first="Variable"),
    ]
    return "\n".join(lines)


def plugin_section(name, doc, examples, ret, kind, registered=()):
    summary = cell(doc.get("short_description", ""))
    lines = [summary if summary.endswith(".") else summary + "."]
    if _registered_line(registered):
        lines += ["", _registered_line(registered)]
    description = doc.get("description") or []
    if isinstance(description, str):
        description = [description]
    if description:
        lines.append("")
        lines += ["- %s" % cell(item) for item in description]
    lines += ["", options_table(doc.get("options") or {}, first="Option" if kind == "module" else "Input / option")]
    rows = return_rows(ret)
    if rows:
        lines += ["", "Returns:", "", "| Key | Type | Returned | Description |", "| --- | --- | --- | --- |"] + rows
    if examples and examples.strip():
        lines += ["", "Examples:", "", "```yaml", examples.strip("\n"), "```"]
    lines += ["", "Full text: `ansible-doc%s %s.%s`." % (" -t filter" if kind == "filter" else "", COLLECTION, name)]
    return "\n".join(lines)


def plugins_section():
    """Every module and filter: an index, then one heading each; the internal filters last, under their own heading.

    The index names every filter a file registers, linked to the heading of its file.
    """
    modules, public, internal = [], [], []
    for name, doc, examples, ret in plugins("modules"):
        modules.append((name, doc, examples, ret, [name]))
    for item in filter_files():
        (internal if is_internal(item[1]) else public).append(item)
    index, parts = [], []
    for label, kind, items in (("Modules", "Module", modules), ("Filters", "Filter", public), ("Internal filters", "Filter", internal)):
        names = {}
        level = "##"
        if label == "Internal filters":
            parts += ["", "## Internal filters", "", INTERNAL_TEXT]
            level = "###"
        for name, doc, examples, ret, registered in items:
            heading = "%s `%s.%s`" % (kind, COLLECTION, name)
            names.update({each: "[`%s`](#%s)" % (each, _anchor(heading)) for each in registered})
            parts += ["", "%s %s" % (level, heading), "", plugin_section(name, doc, examples, ret, kind.lower(), registered)]
        index.append("- %s: %s" % (label, ", ".join(names[each] for each in sorted(names))))
    return "\n".join(index + parts)


INTERNAL_TEXT = (
    "These filters are the roles' and playbooks' own decisions, kept in Python so that they are unit-tested. They "
    "are not a public interface: their names, inputs and outputs may change in any release. The first words of "
    'their DOCUMENTATION say so ("Internal to ..."), which `ansible-doc -t filter -l ipv6ready.docker` shows. Use '
    "the roles, the modules and the filters above instead; if you need one of these, open an issue."
)


def _registered_line(registered):
    """The filters a file registers, when there is more than the one its DOCUMENTATION is named after."""
    return "Filters in this file: %s." % ", ".join("`%s`" % name for name in registered) if len(registered) > 1 else ""


SENTENCE_END_RE = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bcf)\.(?=\s|$)")


def first_sentence(docstring):
    """The first sentence of a docstring's first paragraph, on one line."""
    paragraph = " ".join((docstring or "").strip().split("\n\n", 1)[0].split())
    match = SENTENCE_END_RE.search(paragraph)
    return paragraph[: match.end()] if match else paragraph


_MODULE_UTILS_IMPORT = "ansible_collections.ipv6ready.docker.plugins.module_utils"


def module_utils_imports(path):
    """The module_utils files (``_name``) a Python file imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == _MODULE_UTILS_IMPORT:
                found.update(alias.name for alias in node.names)
            elif node.module.startswith(_MODULE_UTILS_IMPORT + "."):
                found.add(node.module.rsplit(".", 1)[1])
    return found


def used_by(kind):
    """``{module_utils name: [plugins]}``: the plugins of a kind (``modules``, ``filter``) that import each file,
    directly or through another module_utils file."""
    folder = ROOT / "plugins" / "module_utils"
    direct = {path.stem: module_utils_imports(path) for path in folder.glob("*.py")}
    result = {name: [] for name in direct}
    for path in sorted((ROOT / "plugins" / kind).glob("*.py")):
        seen, todo = set(), list(module_utils_imports(path))
        while todo:
            name = todo.pop()
            if name in seen or name not in direct:
                continue
            seen.add(name)
            todo.extend(direct[name])
        for name in seen:
            result[name].append(path.stem)
    return result


def runs_on(modules, filters):
    """Where a module_utils file runs: on the hosts inside the modules that import it, on the controller in filters."""
    places = []
    if modules:
        places.append("hosts (%s)" % ", ".join("`%s`" % name for name in modules))
    if filters:
        places.append("controller")
    return " and ".join(places) or "nothing imports it"


def code_map_section():
    """The shared Python code: each file with its docstring's first sentence and the modules that ship it to hosts."""
    modules, filters = used_by("modules"), used_by("filter")
    lines = ["| File | Runs on | What it holds |", "| --- | --- | --- |"]
    for folder in ("module_utils", "plugin_utils"):
        for path in sorted((ROOT / "plugins" / folder).glob("*.py")):
            if path.name == "__init__.py":
                continue
            where = runs_on(modules[path.stem], filters[path.stem]) if folder == "module_utils" else "controller"
            summary = first_sentence(ast.get_docstring(ast.parse(path.read_text())))
            lines.append("| `plugins/%s/%s` | %s | %s |" % (folder, path.name, where, cell(summary.replace("``", "`"))))
    return "\n".join(lines)


def content_section():
    lines = ["| Name | Kind | What it does |", "| --- | --- | --- |"]
    for role_dir in roles():
        specs = role_specs(role_dir)
        lines.append("| [`%s.%s`](roles/%s/README.md) | role | %s |" % (COLLECTION, role_dir.name, role_dir.name, cell(specs.get("short_description", ""))))
    internal = sum(len(item[4]) for item in filter_files() if is_internal(item[1]))
    for kind, label in (("modules", "module"), ("filter", "filter")):
        for name, doc, _examples, _ret in plugins(kind):
            if is_internal(doc):
                continue
            lines.append(
                "| [`%s.%s`](docs/plugins.md#%s) | %s | %s |"
                % (COLLECTION, name, _anchor("%s %s.%s" % (label.capitalize(), COLLECTION, name)), label, cell(doc.get("short_description", "")))
            )
    if internal:
        lines.append(
            "| [internal filters](docs/plugins.md#internal-filters) | filter | The roles' and playbooks' own "
            "decisions, %d filters; not a public interface |" % internal
        )
    return "\n".join(lines)


def _anchor(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _version_label(version):
    major, minor = version[:2]
    return "%d.%d" % (major, minor)


def engine_columns(engine, tested):
    """The versions of ENGINE_COLUMNS, a tested engine standing in for the column of its major version."""
    tested = sorted(tested)
    columns = []
    for text in ENGINE_COLUMNS:
        version = engine.parse_version(text)
        same = [item for item in tested if item[0] == version[0]]
        columns.extend(same or [version])
    columns.extend(item for item in tested if item not in columns)
    return sorted(set(columns))


def engine_features_section():
    engine = load_engine()
    tested_versions = {engine.parse_version(item["engine"]) for item in platforms() if item.get("engine")}
    columns = engine_columns(engine, tested_versions)
    header = []
    for version in columns:
        label = _version_label(version)
        header.append("%s%s" % (label, " (tested)" if version in tested_versions else ""))
    lines = [
        "| Feature | Since | %s | What changes |" % " | ".join(header),
        "| --- | --- | %s | --- |" % " | ".join([":---:"] * len(columns)),
    ]
    for item in engine.FEATURES:
        marks = ["yes" if version >= item.since else "-" for version in columns]
        lines.append("| `%s` | %s | %s | %s |" % (item.name, _version_label(item.since), " | ".join(marks), cell(item.summary)))
    return "\n".join(lines)


def engine_releases_section():
    engine = load_engine()
    lines = ["| Release | Status | Notes |", "| --- | --- | --- |"]
    for item in engine.RELEASES:
        lines.append("| %d | %s | %s |" % (item.major, cell(item.status), cell(item.notes)))
    return "\n".join(lines)


def engine_rules_section():
    engine = load_engine()
    lines = ["| daemon.json key | Refused before | Because |", "| --- | --- | --- |"]
    for key, name, problem in version_rules():
        lines.append("| `%s` | %s (`%s`) | %s |" % (key, _version_label(engine.feature(name).since), name, cell(problem)))
    return "\n".join(lines)


def platform_users():
    """Platform name to what runs on it: the Molecule scenarios (hosts' ``image:``) and the lab."""
    users = {}
    for path in sorted((ROOT / "molecule").glob("*/molecule.yml")):
        scenario = path.parent.name
        for host in yaml.safe_load(path.read_text()).get("platforms") or []:
            names = users.setdefault(host.get("image"), [])
            if "`%s`" % scenario not in names:
                names.append("`%s`" % scenario)
    lab = yaml.safe_load((ROOT / "lab" / "vars.yml").read_text()).get("lab_platform")
    if lab:
        users.setdefault(lab, []).append("the lab (`make demo`)")
    return users


def engine_platforms_section():
    users = platform_users()
    lines = [
        "| Platform | Image (built locally) | Packages | Debian suite | Docker engine | Engine packages from | Runs |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for item in platforms():
        lines.append(
            "| `%s` | `%s` | %s | %s | %s | %s | %s |"
            % (
                item["name"],
                item["image"],
                item.get("packages", "test"),
                item["suite"],
                item.get("engine", ""),
                ("%s (pinned)" % item["engine_suite"]) if item.get("engine_suite") else item["suite"],
                ", ".join(users.get(item["name"], [])),
            )
        )
    return "\n".join(lines)


def generate():
    """``{path: {block: body}}`` for every generated block of the project."""
    files = {}
    for role_dir in roles():
        files["roles/%s/README.md" % role_dir.name] = {"role-%s" % role_dir.name: role_section(role_dir)}
    files["README.md"] = {"content": content_section()}
    files["docs/plugins.md"] = {"plugins": plugins_section()}
    files["docs/roles.md"] = {"code-map": code_map_section()}
    files["docs/engines.md"] = {
        "engine-features": engine_features_section(),
        "engine-releases": engine_releases_section(),
        "engine-rules": engine_rules_section(),
        "engine-platforms": engine_platforms_section(),
    }
    return files


def _text_problems(where, text):
    """A description must be a string or a list of strings; YAML turns an unquoted "word: more" into a mapping."""
    items = text if isinstance(text, list) else [text]
    return [
        '%s: a description holds %s, not text (quote a line that contains ": ")' % (where, type(item).__name__)
        for item in items
        if item is not None and not isinstance(item, str)
    ]


def doc_problems():
    """Every description of every module's and filter's DOCUMENTATION and RETURN that YAML did not read as text."""
    problems = []

    def walk(where, entries):
        for key, entry in (entries or {}).items():
            entry = entry or {}
            problems.extend(_text_problems("%s %s" % (where, key), entry.get("description")))
            walk(where, entry.get("options") or entry.get("suboptions") or entry.get("contains"))

    for kind in ("modules", "filter"):
        for name, doc, _examples, ret in plugins(kind):
            problems.extend(_text_problems("%s %s" % (kind, name), doc.get("description")))
            walk("%s %s option" % (kind, name), doc.get("options"))
            walk("%s %s return" % (kind, name), ret)
    return problems


# --- writing ---------------------------------------------------------------


def render(text, sections):
    """Return ``(text with every block filled in, names with no block, block names nothing generates)``."""
    missing = [name for name in sections if not re.search(r"<!-- BEGIN GENERATED: %s -->\n" % re.escape(name), text)]
    unknown = []

    def fill(match):
        name = match.group(1)
        if name not in sections:
            unknown.append(name)
            return match.group(0)
        return "<!-- BEGIN GENERATED: %s -->\n%s\n<!-- END GENERATED: %s -->" % (name, sections[name], name)

    return BLOCK_RE.sub(fill, text), missing, unknown


def new_role_readme(role_dir):
    specs = role_specs(role_dir)
    return "# Role `%s.%s`\n\n%s\n" % (COLLECTION, role_dir.name, cell(specs.get("short_description", "")))


def append_block(text, name):
    return "%s\n## Variables\n\n<!-- BEGIN GENERATED: %s -->\n<!-- END GENERATED: %s -->\n" % (text.rstrip("\n") + "\n", name, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a generated block is out of date")
    args = parser.parse_args()
    problems = doc_problems()
    files = generate()
    # A GENERATED block in a page nothing writes to would silently go stale.
    for path in sorted([ROOT / "README.md"] + list((ROOT / "docs").glob("*.md")) + list((ROOT / "roles").glob("*/README.md"))):
        relpath = path.relative_to(ROOT).as_posix()
        if relpath not in files:
            for name in BLOCK_RE.findall(path.read_text()):
                problems.append("%s: GENERATED block %s matches nothing the generator writes" % (relpath, name[0]))
    for relpath, sections in files.items():
        path = ROOT / relpath
        current = path.read_text() if path.exists() else None
        text = current
        if text is None:
            if not relpath.startswith("roles/") or args.check:
                problems.append("%s: missing (it holds the generated blocks %s)" % (relpath, ", ".join(sections)))
                continue
            text = new_role_readme(ROOT / pathlib.Path(relpath).parent)
        if relpath.startswith("roles/") and not args.check:
            for name in sections:
                if "<!-- BEGIN GENERATED: %s -->" % name not in text:
                    text = append_block(text, name)
        wanted, missing, unknown = render(text, sections)
        for name in missing:
            problems.append("%s: no GENERATED block for %s" % (relpath, name))
        for name in unknown:
            problems.append("%s: GENERATED block %s matches nothing the generator writes" % (relpath, name))
        if args.check:
            if wanted != current:
                problems.append("%s is out of date: run `make docs`" % relpath)
        elif wanted != current:
            path.write_text(wanted)
            print("wrote %s" % relpath)
    for problem in problems:
        sys.stderr.write("readme_docs: %s\n" % problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
