"""Check what the hand-written docs say about the code against the code.

`make docs` generates what can be generated (tests/harness/readme_docs.py).
This check covers the facts prose repeats:

- counts: "eight roles", "5 modules", "12 public filters", "three plays"
  (of site.yml) must be the numbers the code has (from two on: "one
  filter" reads as "a filter"). The nouns counted are
  ``roles`` (roles with meta/argument_specs.yml), ``modules``, ``filters``
  (every name a filter plugin registers), ``public filters``,
  ``internal filters`` and, in a paragraph that names ``site.yml``,
  ``plays``;
- role order: a paragraph that says "in order", "in this order" or "in the
  order" and names two roles or more (in backticks), together with the table
  that follows it, must name them in the order playbooks/site.yml runs them;
- references: every ``ipv6ready.docker.<name>`` must be a role, module,
  filter or playbook of the collection.

Fenced code and generated blocks are skipped. Checked: README.md,
docs/*.md and roles/*/README.md.

    python tests/harness/docs_check.py    exit 1 and name file, line and fact when one is stale
"""

from __future__ import annotations

import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import readme_docs  # noqa: E402  (the generator's readers of the code)

ROOT = readme_docs.ROOT
NUMBERS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)
# "one filter" reads as "a filter", so counts start at two.
COUNT_RE = re.compile(r"\b(%s|\d\d+|[2-9])\s+(public\s+|internal\s+)?(roles|modules|filters|plays)\b" % "|".join(NUMBERS[2:]), re.I)
ORDER_RE = re.compile(r"\bin\s+(?:(?:this|the)\s+)?order\b(?!\s+to\b)", re.I)
BACKTICKED_RE = re.compile(r"`([A-Za-z0-9_.]+)`")
REFERENCE_RE = re.compile(r"\bipv6ready\.docker\.([A-Za-z0-9_]+)")
FENCE_RE = re.compile(r"^```.*?^```[ \t]*$", re.S | re.M)


def facts():
    """What the code has: counts by noun, the role order of site.yml, and every name of the collection."""
    roles = [path.name for path in readme_docs.roles()]
    modules = [name for name, _doc, _examples, _ret in readme_docs.plugins("modules")]
    public, internal = [], []
    for _name, doc, _examples, _ret, names in readme_docs.filter_files():
        (internal if readme_docs.is_internal(doc) else public).extend(names)
    plays = readme_docs.site_plays()
    playbooks = [path.stem for path in (ROOT / "playbooks").glob("*.yml")]
    return {
        "counts": {
            "roles": len(roles),
            "modules": len(modules),
            "filters": len(public) + len(internal),
            "public filters": len(public),
            "internal filters": len(internal),
            "plays": len(plays),
        },
        "order": [role for _play, names in plays for role in names],
        "roles": set(roles),
        "names": set(roles) | set(modules) | set(public) | set(internal) | set(playbooks),
    }


def _number(text):
    text = text.lower()
    return int(text) if text.isdigit() else NUMBERS.index(text)


def _blank_out(match):
    """The matched text with everything but its line breaks blanked, so line numbers stay right."""
    return re.sub(r"[^\n]", " ", match.group(0))


def blocks(text):
    """``(line, paragraph)`` of the text, with fenced code and generated blocks blanked out."""
    text = readme_docs.BLOCK_RE.sub(_blank_out, FENCE_RE.sub(_blank_out, text))
    result = []
    for match in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        result.append((text.count("\n", 0, match.start()) + 1, match.group(0)))
    return result


def count_problems(paragraph, known):
    problems = []
    for match in COUNT_RE.finditer(paragraph):
        kind, noun = (match.group(2) or "").strip().lower(), match.group(3).lower()
        if noun == "plays" and "site.yml" not in paragraph:
            continue  # plays of other playbooks
        key = ("%s %s" % (kind, noun)).strip()
        if _number(match.group(1)) != known[key]:
            problems.append('"%s": the code has %d %s' % (match.group(0), known[key], key))
    return problems


def order_problem(paragraphs, index, wanted, roles):
    """The role order a paragraph that claims one states, with the table that follows it."""
    text = paragraphs[index][1]
    if not ORDER_RE.search(text):
        return None
    if index + 1 < len(paragraphs) and paragraphs[index + 1][1].lstrip().startswith("|"):
        text += paragraphs[index + 1][1]
    named = []
    for name in BACKTICKED_RE.findall(text):
        if name in roles and name not in named:
            named.append(name)
    expected = [role for role in wanted if role in named]
    if len(named) > 1 and named != expected:
        return "roles in the order %s; playbooks/site.yml runs them %s" % (", ".join(named), ", ".join(expected))
    return None


def check_text(relpath, text, known):
    """Every stale fact of one Markdown file, as ``path:line: problem``."""
    problems = []
    paragraphs = blocks(text)
    for index, (line, paragraph) in enumerate(paragraphs):
        found = count_problems(paragraph, known["counts"])
        order = order_problem(paragraphs, index, known["order"], known["roles"])
        if order:
            found.append(order)
        for name in REFERENCE_RE.findall(paragraph):
            if name not in known["names"]:
                found.append("ipv6ready.docker.%s is no role, module, filter or playbook of the collection" % name)
        problems.extend("%s:%d: %s" % (relpath, line, problem) for problem in found)
    return problems


def pages():
    return [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "roles").glob("*/README.md"))


def main():
    known = facts()
    problems = []
    for path in pages():
        problems.extend(check_text(path.relative_to(ROOT).as_posix(), path.read_text(), known))
    for problem in problems:
        sys.stderr.write("docs_check: %s\n" % problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
