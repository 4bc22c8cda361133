# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure helpers for the glibc address-selection policy (``/etc/gai.conf``).

Private to the collection: parsing, table building, rendering, and a
predictor of the order glibc's ``getaddrinfo`` sorts destinations in.

The predictor follows ``rfc3484_sort`` in glibc's ``sysdeps/posix/getaddrinfo.c``
(unchanged in this respect from 2.2x through 2.41): rules 1, 2, 5, 6, 8, 9 and
10, glibc's top-down merge sort, longest-prefix table lookup, the implicit
``::/0`` entry and the IPv4 ``scopev4`` table. Not modelled, because they need
kernel state the caller does not pass: rule 3 (deprecated or optimistic
source), rule 4 (home address) and rule 7 (native transport; glibc only
consults it when the two sources are on different interfaces). The predictor
assumes no source is deprecated and every interface is native.
"""

from __future__ import annotations

import collections
import ipaddress
import re

from ansible_collections.ipv6ready.docker.plugins.module_utils import _prefix

INT_MAX = 2147483647

#: glibc's built-in label table (used when gai.conf has no ``label`` line).
DEFAULT_LABELS = (
    ("::1/128", 0),
    ("::/0", 1),
    ("2002::/16", 2),
    ("::/96", 3),
    ("::ffff:0:0/96", 4),
    ("fec0::/10", 5),
    ("fc00::/7", 6),
    ("2001::/32", 7),
)

#: glibc's built-in precedence table (used when gai.conf has no ``precedence`` line).
DEFAULT_PRECEDENCES = (
    ("::1/128", 50),
    ("::/0", 40),
    ("2002::/16", 30),
    ("::/96", 20),
    ("::ffff:0:0/96", 10),
)

#: glibc's built-in IPv4 scope table (used when gai.conf has no ``scopev4`` line).
DEFAULT_SCOPEV4 = (
    ("169.254.0.0/16", 2),
    ("127.0.0.0/8", 2),
    ("0.0.0.0/0", 14),
)

#: Values glibc adds for ``::/0`` when a table from gai.conf has no /0 entry.
_NULL_LABEL = 1
_NULL_PRECEDENCE = 40
_NULL_SCOPEV4 = 14

#: Precedence of ``::ffff:0:0/96`` with ``prefer=ipv4``.
PREFER_IPV4_PRECEDENCE = 100
MAPPED_PREFIX = "::ffff:0:0/96"

#: The comment the module writes above its block; recognised on re-runs.
HEADER = (
    "# Address-selection policy managed by ipv6ready.docker.gai_conf.",
    "# Full tables: one label (precedence) line replaces glibc's whole built-in table.",
)

_SCOPE_NAMES = {1: "interface-local", 2: "link-local", 4: "admin-local", 5: "site-local", 8: "organization-local", 14: "global"}
_DIGITS = re.compile(r"[0-9]+\Z")
_MAPPED = ipaddress.IPv6Network(MAPPED_PREFIX)

#: One parsed line of gai.conf. ``raw`` keeps the line ending so that lines
#: the module does not manage are written back byte for byte.
Line = collections.namedtuple("Line", "lineno raw kind prefix value")


class GaiError(ValueError):
    """Base class of every error raised here."""


class GaiParseError(GaiError):
    """A line of an existing gai.conf that cannot be parsed."""

    def __init__(self, lineno, line, reason):
        self.lineno = lineno
        self.line = line
        self.reason = reason
        super().__init__("line %d: %s: %s" % (lineno, reason, line))


class GaiOptionError(GaiError):
    """Invalid input; the message names the option and the value."""

    def __init__(self, option, value, reason):
        self.option = option
        self.value = value
        super().__init__("%s: %r %s" % (option, value, reason))


# ---------------------------------------------------------------------------
# Addresses and prefixes


def _hextets(value):
    return [(value >> (112 - 16 * i)) & 0xFFFF for i in range(8)]


def _longest_zero_run(words):
    best_base, best_len, base = -1, 0, -1
    for i, word in enumerate(words + [1]):
        if word == 0 and i < 8:
            if base < 0:
                base = i
        elif base >= 0:
            if i - base > best_len:
                best_base, best_len = base, i - base
            base = -1
    if best_len < 2:
        return -1, 0
    return best_base, best_len


def _hex_form(words, base, length, tail=None):
    head = ["%x" % w for w in words]
    if tail is not None:
        head = head[:6]
    if base < 0:
        text = ":".join(head)
    else:
        text = ":".join(head[:base]) + "::" + ":".join(head[base + length :])
    if tail is not None:
        text += ("" if text.endswith(":") else ":") + tail
    return text


def format_ipv6(value):
    """Format an IPv6 address (int or ``IPv6Address``) exactly like glibc ``inet_ntop``."""
    value = int(value)
    words = _hextets(value)
    base, length = _longest_zero_run(words)
    if base == 0 and (length == 6 or (length == 5 and words[5] == 0xFFFF)):
        return _hex_form(words, base, length, str(ipaddress.IPv4Address(value & 0xFFFFFFFF)))
    return _hex_form(words, base, length)


def format_prefix(network):
    """Canonical spelling of an IPv6 prefix: RFC 5952 hex, lower case, ``/len``."""
    words = _hextets(int(network.network_address))
    base, length = _longest_zero_run(words)
    return "%s/%d" % (_hex_form(words, base, length), network.prefixlen)


def parse_prefix(value, option, strict=True):
    """Parse an IPv6 prefix (``addr`` or ``addr/len``) into ``IPv6Network``.

    Read by ``_prefix.parse_prefix``, the collection's one prefix reader, with
    gai.conf's rules: IPv6 only, the length optional (``/128``). ``strict``
    rejects host bits; otherwise they are masked off, which is what glibc's
    prefix matching does with them. Raises ``GaiOptionError``.
    """
    text = value.strip() if isinstance(value, str) else value
    try:
        return _prefix.parse_prefix(text, version=6, host_bits=not strict, length_required=False)
    except _prefix.PrefixError as exc:
        raise GaiOptionError(option, value, exc.reason)


def _parse_scopev4_prefix(value, option):
    """Parse a ``scopev4`` prefix as glibc does: IPv4 ``a.b.c.d/len`` or mapped IPv6 /96 to /128."""
    addr_text, sep, len_text = value.partition("/")
    if sep and not _DIGITS.match(len_text):
        raise GaiOptionError(option, value, "has an invalid prefix length")
    if ":" in addr_text:
        try:
            address = ipaddress.IPv6Address(addr_text)
        except ValueError:
            raise GaiOptionError(option, value, "is not an IPv4 or IPv4-mapped IPv6 prefix")
        bits = int(len_text) if sep else 128
        if address not in _MAPPED or not 96 <= bits <= 128:
            raise GaiOptionError(option, value, "must be an IPv4-mapped prefix (::ffff:0:0/96 to /128)")
        v4 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        bits -= 96
    else:
        try:
            v4 = ipaddress.IPv4Address(addr_text)
        except ValueError:
            raise GaiOptionError(option, value, "is not an IPv4 prefix")
        bits = int(len_text) if sep else 32
        if bits > 32:
            raise GaiOptionError(option, value, "has an invalid prefix length; it must be 0 to 32")
    return ipaddress.IPv4Network((int(v4), bits), strict=False)


def _check_value(value, option, what, maximum=INT_MAX):
    if isinstance(value, bool):
        raise GaiOptionError(option, value, "is not a %s (expected an integer 0 to %d)" % (what, maximum))
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise GaiOptionError(option, value, "is not a %s (expected an integer 0 to %d)" % (what, maximum))
    if not 0 <= value <= maximum:
        raise GaiOptionError(option, value, "is out of range; glibc accepts a %s from 0 to %d" % (what, maximum))
    return value


# ---------------------------------------------------------------------------
# Parsing an existing file


def _split_lines(text):
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def parse(text):
    """Parse gai.conf text into a list of ``Line``.

    ``kind`` is one of ``blank``, ``comment``, ``header`` (the module's own
    comment), ``label``, ``precedence``, ``scopev4`` or ``reload``. For the
    table keywords ``prefix`` is the ``IPv6Network`` (``IPv4Network`` for
    scopev4) and ``value`` the integer; for ``reload`` the value is yes/no.

    Tokenises like glibc (``#`` starts a comment anywhere, whitespace separates
    fields) but is stricter: an unknown keyword, a bad prefix or number, or a
    wrong number of fields raises ``GaiParseError`` with the line number.
    Duplicate prefixes are accepted (glibc uses the first one).
    """
    lines = []
    for lineno, raw in enumerate(_split_lines(text), start=1):
        content = raw.rstrip("\r\n")
        fields = content.split("#", 1)[0].split()
        if not fields:
            if not content.strip():
                kind = "blank"
            elif content.strip() in HEADER:
                kind = "header"
            else:
                kind = "comment"
            lines.append(Line(lineno, raw, kind, None, None))
            continue
        keyword, args = fields[0], fields[1:]
        try:
            if keyword in ("label", "precedence"):
                if len(args) != 2:
                    raise GaiError("'%s' takes a prefix and a value, got %d field(s)" % (keyword, len(args)))
                prefix = parse_prefix(args[0], keyword, strict=False)
                if not _DIGITS.match(args[1]) or int(args[1]) > INT_MAX:
                    raise GaiError("%s value %r is not an integer from 0 to %d" % (keyword, args[1], INT_MAX))
                lines.append(Line(lineno, raw, keyword, prefix, int(args[1])))
            elif keyword == "scopev4":
                if len(args) != 2:
                    raise GaiError("'scopev4' takes a prefix and a value, got %d field(s)" % len(args))
                prefix = _parse_scopev4_prefix(args[0], keyword)
                if not _DIGITS.match(args[1]) or int(args[1]) > INT_MAX:
                    raise GaiError("scopev4 value %r is not an integer from 0 to %d" % (args[1], INT_MAX))
                lines.append(Line(lineno, raw, keyword, prefix, int(args[1])))
            elif keyword == "reload":
                if len(args) != 1 or args[0] not in ("yes", "no"):
                    raise GaiError("'reload' takes exactly one value, yes or no")
                lines.append(Line(lineno, raw, keyword, None, args[0]))
            else:
                raise GaiError("unknown keyword %r (gai.conf knows label, precedence, scopev4 and reload)" % keyword)
        except GaiError as exc:
            raise GaiParseError(lineno, content, str(exc))
    return lines


def effective_tables(lines):
    """The tables glibc would load from parsed lines.

    Returns a dict with ``labels``, ``precedences`` and ``scopev4``: each a
    list of ``(prefix, value)`` string/int pairs in file order (a repeated
    prefix keeps its first value, as glibc does), or ``None`` when the file
    has no line of that kind and glibc uses its built-in table.
    """
    tables = {}
    for kind, key in (("label", "labels"), ("precedence", "precedences"), ("scopev4", "scopev4")):
        seen = collections.OrderedDict()
        for line in lines:
            if line.kind == kind and line.prefix not in seen:
                seen[line.prefix] = line.value
        if not seen:
            tables[key] = None
        elif kind == "scopev4":
            tables[key] = [(str(net), val) for net, val in seen.items()]
        else:
            tables[key] = [(format_prefix(net), val) for net, val in seen.items()]
    return tables


# ---------------------------------------------------------------------------
# Building the tables the module writes


def _entry(item, name, key):
    """One user entry ``{prefix, <key>}`` named ``name``: ``(IPv6Network, int)``; raises ``GaiOptionError``."""
    if not isinstance(item, dict):
        raise GaiOptionError(name, item, "is not a dict with 'prefix' and '%s'" % key)
    unknown = sorted(set(item) - {"prefix", key})
    if unknown:
        raise GaiOptionError(name, item, "has unknown key(s) %s; expected 'prefix' and '%s'" % (", ".join(unknown), key))
    if "prefix" not in item or key not in item:
        raise GaiOptionError(name, item, "needs both 'prefix' and '%s'" % key)
    return parse_prefix(item["prefix"], name + ".prefix"), _check_value(item[key], name + "." + key, key)


def _entries(items, option, key, problems=None):
    """Validate user entries ``[{prefix, <key>}]``; returns ``{IPv6Network: int}`` without duplicates.

    Raises ``GaiOptionError`` at the first problem, or, when ``problems`` is a
    list, appends every problem's message to it and leaves the entry out.
    """
    result = collections.OrderedDict()
    where = {}
    for index, item in enumerate(items or []):
        name = "%s[%d]" % (option, index)
        try:
            network, value = _entry(item, name, key)
            if network in result and result[network] != value:
                raise GaiOptionError(
                    option, item["prefix"], "is listed twice with different %ss: %d in %s and %d in %s" % (key, result[network], where[network], value, name)
                )
        except GaiOptionError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
            continue
        if network not in result:  # the same prefix with the same value: deduplicated
            result[network] = value
            where[network] = name
    return result


def entry_problems(items, option, key):
    """Every problem of the user entries ``[{prefix, <key>}]`` (labels or precedences), each naming ``option``."""
    problems = []
    _entries(items, option, key, problems)
    return problems


def prefix_problems(values, option):
    """Every value of the list that is not an IPv6 prefix as gai.conf takes it, each naming ``option[index]``."""
    problems = []
    for index, value in enumerate(values or []):
        try:
            parse_prefix(value, "%s[%d]" % (option, index))
        except GaiOptionError as exc:
            problems.append(str(exc))
    return problems


def _merge(defaults, updates):
    table = collections.OrderedDict((ipaddress.IPv6Network(prefix), value) for prefix, value in defaults)
    for network, value in updates.items():
        table[network] = value  # replaces in place, or appends a new prefix
    return [(format_prefix(net), value) for net, value in table.items()]


def build_tables(prefer="ipv6", local_prefixes=("fc00::/7",), labels=None, precedences=None):
    """Build the complete label and precedence tables the module writes.

    Starts from glibc's built-in tables. ``prefer=ipv6`` gives every prefix in
    ``local_prefixes`` label 1 (the label of ``::/0``), replacing an existing
    entry for that exact prefix or adding one. ``prefer=ipv4`` leaves labels
    alone and raises the precedence of ``::ffff:0:0/96`` to 100. ``labels``
    and ``precedences`` (lists of ``{prefix, label}`` / ``{prefix,
    precedence}``) win over all of that. The same prefix twice with the same
    value is deduplicated; with different values it is an error.

    Returns ``(label_table, precedence_table)``: lists of ``(prefix, value)``.
    Raises ``GaiOptionError`` naming the option and the value.
    """
    if prefer not in ("ipv6", "ipv4"):
        raise GaiOptionError("prefer", prefer, "must be 'ipv6' or 'ipv4'")
    if local_prefixes is None:
        local_prefixes = ()
    if isinstance(local_prefixes, (str, bytes, dict)):
        raise GaiOptionError("local_prefixes", local_prefixes, "must be a list of IPv6 prefixes")
    local = collections.OrderedDict()
    for index, prefix in enumerate(local_prefixes):
        local[parse_prefix(prefix, "local_prefixes[%d]" % index)] = _NULL_LABEL
    user_labels = _entries(labels, "labels", "label")
    user_precedences = _entries(precedences, "precedences", "precedence")

    label_updates = collections.OrderedDict(local if prefer == "ipv6" else ())
    label_updates.update(user_labels)
    precedence_updates = collections.OrderedDict()
    if prefer == "ipv4":
        precedence_updates[_MAPPED] = PREFER_IPV4_PRECEDENCE
    precedence_updates.update(user_precedences)
    return _merge(DEFAULT_LABELS, label_updates), _merge(DEFAULT_PRECEDENCES, precedence_updates)


def table_as_dicts(table, key):
    """``[(prefix, value)]`` to ``[{'prefix': prefix, key: value}]`` (module and filter format)."""
    return [{"prefix": prefix, key: value} for prefix, value in table]


# ---------------------------------------------------------------------------
# Rendering


def render_block(label_table, precedence_table):
    """The managed block: header, then every label and every precedence line."""
    out = [line + "\n" for line in HEADER]
    out.extend("label %s %d\n" % (prefix, value) for prefix, value in label_table)
    out.extend("precedence %s %d\n" % (prefix, value) for prefix, value in precedence_table)
    return out


def render(lines, label_table=None, precedence_table=None, state="present"):
    """Return the new file text, or ``None`` when the file should not exist.

    ``present``: the managed block replaces the first label/precedence/header
    line and every other such line is dropped; with none, the block is
    appended after a blank line. ``absent``: all label/precedence/header lines
    are dropped (so glibc's built-ins apply again), then trailing blank lines.
    Every other line (comments, ``reload``, ``scopev4``) is kept byte for byte.
    A file left with nothing but blank lines is reported as ``None``.
    """
    if state not in ("present", "absent"):
        raise GaiOptionError("state", state, "must be 'present' or 'absent'")
    managed = ("label", "precedence", "header")
    out = []
    placed = False
    removed = False
    for line in lines:
        if line.kind not in managed:
            out.append(line.raw)
            continue
        removed = True
        if state == "present" and not placed:
            out.extend(render_block(label_table, precedence_table))
            placed = True
    if state == "present" and not placed:
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        if out and out[-1].strip():
            out.append("\n")
        out.extend(render_block(label_table, precedence_table))
    if state == "absent" and removed:
        while out and not out[-1].strip():
            out.pop()
    if not any(raw.strip() for raw in out):
        return None
    return "".join(out)


# ---------------------------------------------------------------------------
# Predictor


class _Table(object):
    """A glibc prefix table: longest prefix first (stable), implicit ``::/0``."""

    def __init__(self, entries, defaults, null_entry, option, key, parser):
        if not entries:
            entries = defaults
        parsed = []
        for index, entry in enumerate(entries):
            name = "%s[%d]" % (option, index)
            if isinstance(entry, dict):
                prefix, value = entry.get("prefix"), entry.get(key)
            elif isinstance(entry, (list, tuple)) and len(entry) == 2:
                prefix, value = entry
            else:
                raise GaiOptionError(name, entry, "is not a (prefix, value) pair")
            parsed.append((parser(prefix, name + ".prefix"), _check_value(value, name + "." + key, key)))
        if not any(net.prefixlen == 0 for net, _value in parsed):
            parsed.append((parser(null_entry[0], option), null_entry[1]))
        # glibc qsorts (a stable merge sort) by prefix length, longest first;
        # the first match wins, so of two equal prefixes the earlier one counts.
        self.entries = sorted(parsed, key=lambda item: -item[0].prefixlen)

    def lookup(self, address):
        for network, value in self.entries:
            if address in network:
                return value
        return None  # unreachable: the table always has a /0 entry


def _strict_prefix(value, option):
    return parse_prefix(value, option, strict=True)


def _scopev4_prefix(value, option):
    if not isinstance(value, str):
        raise GaiOptionError(option, value, "is not an IPv4 prefix")
    return _parse_scopev4_prefix(value.strip(), option)


class _Candidate(object):
    def __init__(self, index, destination, source, policy):
        self.index = index
        self.dst = destination
        self.src = source
        self.family = destination.version
        self.usable = source is not None
        self.dst_label = policy.labels.lookup(_as_v6(destination))
        self.dst_prec = policy.precedences.lookup(_as_v6(destination))
        self.dst_scope = policy.scope(destination)
        self.src_label = policy.labels.lookup(_as_v6(source.ip)) if self.usable else None
        self.src_scope = policy.scope(source.ip) if self.usable else None

    @property
    def dst_text(self):
        return format_address(self.dst)

    @property
    def src_text(self):
        return format_address(self.src.ip) if self.usable else None


class _Policy(object):
    def __init__(self, labels, precedences, scopev4):
        self.labels = _Table(labels, DEFAULT_LABELS, ("::/0", _NULL_LABEL), "labels", "label", _strict_prefix)
        self.precedences = _Table(precedences, DEFAULT_PRECEDENCES, ("::/0", _NULL_PRECEDENCE), "precedences", "precedence", _strict_prefix)
        self.scopes = _Table(scopev4, DEFAULT_SCOPEV4, ("0.0.0.0/0", _NULL_SCOPEV4), "scopev4", "scope", _scopev4_prefix)

    def scope(self, address):
        """glibc ``get_scope``."""
        if address.version == 4:
            return self.scopes.lookup(address)
        if address.is_multicast:
            return (int(address) >> 112) & 0xF
        if address in _LINK_LOCAL or int(address) == 1:
            return 2
        if address in _SITE_LOCAL:
            return 5
        return 14


_LINK_LOCAL = ipaddress.IPv6Network("fe80::/10")
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")


def _as_v6(address):
    if address.version == 4:
        return ipaddress.IPv6Address((0xFFFF << 32) | int(address))
    return address


def format_address(address):
    """An address as glibc's ``inet_ntop`` (and so ``getent ahosts``) prints it."""
    if address.version == 4:
        return str(address)
    return format_ipv6(address)


def _fls(word):
    """glibc's ``fls``: number of leading zero bits of a 32-bit word (32 for 0)."""
    for n in range(32):
        if word & (0x80000000 >> n):
            return n
    return 32


def _rule9_bits(a, b):
    """glibc rule 9 as coded in rfc3484_sort: (bits for a, bits for b)."""
    if a.family == 4:

        def bits(c):
            dst, src = int(c.dst), int(c.src.ip)
            # glibc: 0xffffffff << (32 - prefixlen); a shift by 32 (prefix
            # length 0, i.e. unknown) leaves all ones on x86-64 and arm64.
            plen = c.src.network.prefixlen or 32
            mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
            return _fls(dst ^ src) if (src & mask) == (dst & mask) else 0

        return bits(a), bits(b)
    d1, s1, d2, s2 = int(a.dst), int(a.src.ip), int(b.dst), int(b.src.ip)
    for i in range(4):
        shift = 96 - 32 * i
        w1 = ((d1 ^ s1) >> shift) & 0xFFFFFFFF
        w2 = ((d2 ^ s2) >> shift) & 0xFFFFFFFF
        if w1 or w2:
            return _fls(w1), _fls(w2)
    return 0, 0


def _common_bits(cand):
    width = 32 if cand.family == 4 else 128
    return width - (int(cand.dst) ^ int(cand.src.ip)).bit_length()


def _scope_text(scope):
    return "%d (%s)" % (scope, _SCOPE_NAMES[scope]) if scope in _SCOPE_NAMES else str(scope)


def _compare(a, b):
    """glibc ``rfc3484_sort`` for candidates a and b.

    Returns ``(order, rule, reason)``; ``order`` < 0 puts ``a`` first.
    ``reason`` explains it from the winner's side.
    """
    # Rule 1: avoid unusable destinations.
    if a.usable != b.usable:
        win, lose = (a, b) if a.usable else (b, a)
        return (
            (-1 if a.usable else 1),
            1,
            ("rule 1 (avoid unusable destinations): %s has no source address (no route), %s has source %s" % (lose.dst_text, win.dst_text, win.src_text)),
        )
    # Rule 2: prefer matching scope.
    if a.usable:
        a_match = a.dst_scope == a.src_scope
        b_match = b.dst_scope == b.src_scope
        if a_match != b_match:
            win, lose = (a, b) if a_match else (b, a)
            return (
                (-1 if a_match else 1),
                2,
                (
                    "rule 2 (prefer matching scope): %s has scope %s like its source %s; "
                    "%s has scope %s but its source %s has scope %s"
                    % (
                        win.dst_text,
                        _scope_text(win.dst_scope),
                        win.src_text,
                        lose.dst_text,
                        _scope_text(lose.dst_scope),
                        lose.src_text,
                        _scope_text(lose.src_scope),
                    )
                ),
            )
    # Rules 3 (deprecated source) and 4 (home address): not modelled.
    # Rule 5: prefer matching label.
    if a.usable:
        a_match = a.dst_label == a.src_label
        b_match = b.dst_label == b.src_label
        if a_match != b_match:
            win, lose = (a, b) if a_match else (b, a)
            return (
                (-1 if a_match else 1),
                5,
                (
                    "rule 5 (prefer matching label): source %s has label %d, destination %s has label %d - no match; "
                    "source %s label %d matches destination %s label %d"
                    % (lose.src_text, lose.src_label, lose.dst_text, lose.dst_label, win.src_text, win.src_label, win.dst_text, win.dst_label)
                ),
            )
    # Rule 6: prefer higher precedence.
    if a.dst_prec != b.dst_prec:
        win, lose = (a, b) if a.dst_prec > b.dst_prec else (b, a)
        return (
            (-1 if win is a else 1),
            6,
            ("rule 6 (prefer higher precedence): %s has precedence %d, %s has precedence %d" % (win.dst_text, win.dst_prec, lose.dst_text, lose.dst_prec)),
        )
    # Rule 7 (native transport): not modelled.
    # Rule 8: prefer smaller scope.
    if a.dst_scope != b.dst_scope:
        win, lose = (a, b) if a.dst_scope < b.dst_scope else (b, a)
        return (
            (-1 if win is a else 1),
            8,
            (
                "rule 8 (prefer smaller scope): %s has scope %s, %s has scope %s"
                % (win.dst_text, _scope_text(win.dst_scope), lose.dst_text, _scope_text(lose.dst_scope))
            ),
        )
    # Rule 9: longest matching prefix (same family only).
    if a.usable and a.family == b.family:
        bit1, bit2 = _rule9_bits(a, b)
        if bit1 != bit2:
            win, lose = (a, b) if bit1 > bit2 else (b, a)
            return (
                (-1 if bit1 > bit2 else 1),
                9,
                (
                    "rule 9 (longest matching prefix): %s shares %d leading bits with its source %s, "
                    "%s only %d with %s" % (win.dst_text, _common_bits(win), win.src_text, lose.dst_text, _common_bits(lose), lose.src_text)
                ),
            )
    # Rule 10: keep the resolver's order.
    win, lose = (a, b) if a.index < b.index else (b, a)
    return (
        (-1 if win is a else 1),
        10,
        ("rule 10 (keep resolver order): no earlier rule decides; %s came before %s in the answer" % (win.dst_text, lose.dst_text)),
    )


def _msort(items, cmp):
    """glibc's ``msort_with_tmp``: top-down merge sort, left element first on ties."""
    n = len(items)
    if n <= 1:
        return list(items)
    n1 = n // 2
    left, right = _msort(items[:n1], cmp), _msort(items[n1:], cmp)
    out = []
    i = j = 0
    while i < len(left) and j < len(right):
        if cmp(left[i], right[j]) <= 0:
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    return out + left[i:] + right[j:]


def _candidate_input(index, item):
    if isinstance(item, dict):
        unknown = sorted(set(item) - {"destination", "source"})
        if unknown:
            raise GaiOptionError("candidates[%d]" % index, item, "has unknown key(s) %s" % ", ".join(unknown))
        return item.get("destination"), item.get("source")
    if isinstance(item, (list, tuple)) and len(item) == 2:
        return item[0], item[1]
    raise GaiOptionError("candidates[%d]" % index, item, "is not a dict with 'destination' and 'source'")


def _parse_candidate(index, item):
    destination, source = _candidate_input(index, item)
    name = "candidates[%d]" % index
    if not isinstance(destination, str) or "%" in destination:
        raise GaiOptionError(name + ".destination", destination, "is not an IP address")
    try:
        dst = ipaddress.ip_address(destination.strip())
    except ValueError:
        raise GaiOptionError(name + ".destination", destination, "is not an IP address")
    if source is None or (isinstance(source, str) and not source.strip()):
        return dst, None
    if not isinstance(source, str) or "%" in source:
        raise GaiOptionError(name + ".source", source, "is not an IP address (optionally with /prefixlen)")
    try:
        src = ipaddress.ip_interface(source.strip())
    except ValueError:
        raise GaiOptionError(name + ".source", source, "is not an IP address (optionally with /prefixlen)")
    if src.version == 6 and dst.version == 4 and src.ip in _MAPPED:
        src = ipaddress.IPv4Interface((int(src.ip) & 0xFFFFFFFF, max(src.network.prefixlen - 96, 0)))
    if src.version != dst.version:
        raise GaiOptionError(
            name + ".source",
            source,
            "is IPv%d but the destination %s is IPv%d; the source is the address the kernel picks for it" % (src.version, destination, dst.version),
        )
    return dst, src


def predict_order(candidates, labels=None, precedences=None, scopev4=None):
    """Predict the order glibc's getaddrinfo returns destinations in.

    ``candidates``: the resolver's answer, in order, as dicts ``{destination,
    source}`` (or pairs). ``source`` is the address the kernel picks for that
    destination (``ip route get``), optionally ``addr/len`` with the prefix
    length of its interface (glibc uses it for IPv4 rule 9); ``None`` means no
    route, an unusable destination. ``labels``/``precedences``/``scopev4``:
    tables as ``(prefix, value)`` pairs or dicts (``{prefix, label}`` ...),
    ``None`` or empty for glibc's built-ins. A table without a /0 entry gets
    glibc's implicit one.

    Returns a list of dicts in sorted order: ``destination``, ``source``,
    ``label``, ``source_label``, ``precedence``, ``scope``, ``source_scope``,
    ``rule`` and ``reason`` (why it sorts before the next entry; for the last
    entry, why it sorts after the previous one). Raises ``GaiOptionError``.
    """
    if isinstance(candidates, (str, bytes, dict)) or candidates is None:
        raise GaiOptionError("candidates", candidates, "must be a list of {destination, source}")
    policy = _Policy(labels, precedences, scopev4)
    parsed = []
    for index, item in enumerate(candidates):
        destination, source = _parse_candidate(index, item)
        parsed.append(_Candidate(index, destination, source, policy))
    ordered = _msort(parsed, lambda x, y: _compare(x, y)[0])
    results = []
    for pos, cand in enumerate(ordered):
        if pos + 1 < len(ordered):
            order, rule, reason = _compare(cand, ordered[pos + 1])
            if order > 0:
                reason = "glibc's merge sort did not compare these two directly (the rules are not transitive here); compared directly, %s" % reason
        elif pos > 0:
            order, rule, reason = _compare(ordered[pos - 1], cand)
        else:
            rule, reason = None, "the only candidate"
        results.append(
            {
                "destination": cand.dst_text,
                "source": cand.src_text,
                "label": cand.dst_label,
                "source_label": cand.src_label,
                "precedence": cand.dst_prec,
                "scope": cand.dst_scope,
                "source_scope": cand.src_scope,
                "rule": rule,
                "reason": reason,
            }
        )
    return results
