"""Generate the README's role-variable and module-option tables.

The tables are written between ``<!-- BEGIN GENERATED: name -->`` and
``<!-- END GENERATED: name -->`` markers, from each role's
``meta/argument_specs.yml`` and each module's DOCUMENTATION, so that the docs
and the validation never disagree.

    python tests/harness/readme_docs.py          rewrite README.md
    python tests/harness/readme_docs.py --check  exit 1 when out of date
"""

import argparse
import ast
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _cell(text):
    if isinstance(text, list):
        text = ' '.join(str(t) for t in text)
    text = str(text if text is not None else '')
    # Ansible markup to Markdown.
    text = re.sub(r'[OVCM]\(([^)]*)\)', r'`\1`', text)
    return text.replace('|', '\\|').replace('\n', ' ').strip()


def _default(option):
    if 'default' not in option:
        return 'required' if option.get('required') else ''
    value = option['default']
    return '`%s`' % (yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip(),)


def _type(option):
    kind = option.get('type', 'str')
    if kind == 'list':
        kind = 'list of %s' % option.get('elements', 'str')
    if option.get('choices'):
        kind += ' (%s)' % ', '.join(str(c) for c in option['choices'])
    return kind


def options_table(options, prefix=''):
    rows = []
    for name, option in options.items():
        rows.append('| `%s%s` | %s | %s | %s |' % (
            prefix, name, _type(option), _default(option), _cell(option.get('description'))))
        suboptions = option.get('options') or option.get('suboptions')
        if suboptions:
            sub = options_table(suboptions, prefix='%s%s%s.' % (prefix, name, '[]' if option.get('type') == 'list' else ''))
            rows.extend(sub)
    return rows


def role_section(role_dir):
    specs = yaml.safe_load((role_dir / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']
    lines = ['| Variable | Type | Default | Description |', '| --- | --- | --- | --- |']
    lines += options_table(specs.get('options', {}))
    return '\n'.join(lines)


def module_section(module_file):
    tree = ast.parse(module_file.read_text())
    doc = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'DOCUMENTATION':
            doc = yaml.safe_load(node.value.value)
    lines = ['| Option | Type | Default | Description |', '| --- | --- | --- | --- |']
    lines += options_table(doc.get('options', {}))
    return '\n'.join(lines)


def generate():
    sections = {}
    for role_dir in sorted((ROOT / 'roles').iterdir()):
        if (role_dir / 'meta' / 'argument_specs.yml').exists():
            sections['role-%s' % role_dir.name] = role_section(role_dir)
    for module_file in sorted((ROOT / 'plugins' / 'modules').glob('*.py')):
        sections['module-%s' % module_file.stem] = module_section(module_file)
    return sections


def render(readme, sections):
    """Return the README with every block filled in, and the names that have no block."""
    missing = []
    for name, body in sections.items():
        pattern = re.compile(r'(<!-- BEGIN GENERATED: %s -->\n).*?(<!-- END GENERATED: %s -->)' % (name, name), re.S)
        if not pattern.search(readme):
            missing.append(name)
            continue
        readme = pattern.sub(lambda m, body=body: m.group(1) + body + '\n' + m.group(2), readme)
    return readme, missing


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--check', action='store_true')
    args = parser.parse_args()
    path = ROOT / 'README.md'
    current = path.read_text()
    wanted, missing = render(current, generate())
    for name in missing:
        sys.stderr.write('README.md has no GENERATED block for %s: every role and module is documented there\n' % name)
    if args.check:
        if missing:
            return 1
        if wanted != current:
            sys.stderr.write('README.md is out of date: run tests/harness/readme_docs.py\n')
            return 1
        return 0
    path.write_text(wanted)
    return 0


if __name__ == '__main__':
    sys.exit(main())
