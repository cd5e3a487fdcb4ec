"""YAML files (Conda's ~/.condarc, GitHub CLI's config.yml, Yarn's .yarnrc.yml, Rasa's global.yml, Dagster's
dagster.yaml), read and edited with ruamel.yaml, imported only when a YAML file is touched.

Editing is done in the text, guided by the positions ruamel's composer records for every node, so comments,
indentation, quoting and blank lines stay as they were: a scalar is replaced within its own span (keeping its
quote style), a new key is a new line after the last entry of its mapping with that mapping's indentation, and a
removed key takes its lines with it. Missing mappings are created as nested block lines. Every edit is read back
with ruamel's safe loader and must equal the old data with just that key changed; where the text edit cannot do
it (flow mappings `{a: 1}`, a key on a `- ` sequence line, an empty `{}`) ruamel's round-trip dumper does the edit,
which keeps comments but may re-indent the file.

Keys are dotted paths through mappings. A mapping emptied by a removal is written `{}` so it stays a mapping.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import math
import re
from typing import Any

from tracklight.errors import FormatError
from tracklight.formats import NOT_FOUND, Lookup, keep_unterminated_end, split_key
from tracklight.formats.values import Scalar

_NULL_TAG = "tag:yaml.org,2002:null"


def _yaml_error(exc: Exception) -> FormatError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    return FormatError(f"YAML does not parse: {problem}", line=line)


_DISPUTED_BREAKS = re.compile("[\x85\u2028\u2029]")
_EMPTY_KEY = re.compile(r"^[ \t]*(?:- +)?:(?=[ \t]|$)", re.MULTILINE)


def _agreed(text: str) -> None:
    """Refuse what YAML readers read differently: NEL, LS and PS end a line for YAML 1.1 readers (PyYAML, libyaml,
    go-yaml) and are ordinary characters for YAML 1.2 ones (ruamel.yaml, js-yaml)."""
    if (found := _EMPTY_KEY.search(text)) is not None:
        raise FormatError("a line starting with ':' (an empty key), which some YAML readers take as a null key and "
                          "others refuse; the file is not edited", line=text.count("\n", 0, found.start()) + 1)
    if (found := _DISPUTED_BREAKS.search(text)) is not None:
        raise FormatError(f"a {'NEL' if found.group() == chr(0x85) else 'line or paragraph separator'} character, "
                          "which YAML readers disagree about (a line end for some, text for others); the file is "
                          "not edited", line=text.count("\n", 0, found.start()) + 1)


def _load(text: str) -> Any:
    """The document's data as ruamel's safe loader reads it (duplicate keys are an error, as YAML says)."""
    _agreed(text)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(io.StringIO(text))
    except YAMLError as exc:
        raise _yaml_error(exc) from None


def _compose(text: str) -> Any:
    """The node tree with positions, or None for an empty document."""
    _agreed(text)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="rt").compose(io.StringIO(text))
    except YAMLError as exc:
        raise _yaml_error(exc) from None


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_text_of)
    return value


def _text_of(value: Any) -> str:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _entry(node: Any, segment: str) -> tuple[Any, Any] | None:
    """The (key node, value node) of `segment` in a mapping node, the last one if repeated."""
    if type(node).__name__ != "MappingNode":
        return None
    for key_node, value_node in reversed(node.value):
        if type(key_node).__name__ == "ScalarNode" and key_node.value == segment:
            return key_node, value_node
    return None


def read(text: str, key: str) -> Lookup:
    """The value of a dotted key (mappings and sequences as compact JSON text, null as None)."""
    segments = split_key(key)
    data = _load(text)
    for segment in segments:
        if not isinstance(data, dict) or segment not in data:
            return NOT_FOUND
        data = data[segment]
    node = _compose(text)
    line = None
    for segment in segments:
        found = _entry(node, segment)
        if found is None:
            break
        line = found[0].start_mark.line + 1
        node = found[1]
    return Lookup(found=True, value=_plain(data), line=line)


# --- writing ---------------------------------------------------------------------------------------------------


def render_scalar(value: Scalar, style: str | None = None) -> str:
    """A scalar as YAML text; a string keeps `style` (a quote character) when it has one and can."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if not isinstance(value, str):
        raise FormatError(f"cannot write a {type(value).__name__} as a YAML value")
    if style == "'" and _printable(value):
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not _plain_is_safe(value):
        return _double_quoted(value)
    return value


def _printable(value: str) -> bool:
    return all(
        c >= " " and c not in "\x7f\x85\u2028\u2029\ufeff" and not "\x80" <= c <= "\x9f" for c in value
    )


def _double_quoted(value: str) -> str:
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif not _printable(char):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


# Plain words a YAML 1.1 reader (PyYAML, which many tools use) takes for a boolean, null or number.
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
_YAML11_NUMBER = re.compile(
    r"[-+]?(\.?[0-9][0-9_:.]*([eE][-+]?[0-9]+)?|\.inf|\.nan|0x[0-9a-fA-F_]+|0b[01_]+)", re.IGNORECASE
)


_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def _plain_is_safe(value: str) -> bool:
    """Whether a string can be written without quotes and read back as the same string, by YAML 1.2 and 1.1."""
    if not value or value != value.strip() or not _printable(value) or "\n" in value:
        return False
    if value.lower() in _YAML11_WORDS or _YAML11_NUMBER.fullmatch(value):
        return False
    if _PLAIN_WORD.fullmatch(value):
        return True  # a word of letters, digits, _ and -: no indicator, no tag, no number; skips loading ruamel
    return _reads_back(value)


def _reads_back(value: str) -> bool:
    try:
        return bool(_load(f"k: {value}\n") == {"k": value})
    except FormatError:
        return False


def _colon_after(text: str, key_node: Any) -> int:
    """Offset just after the ':' that follows a block mapping key."""
    pos = int(key_node.end_mark.index)
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    if pos < len(text) and text[pos] == ":":
        return pos + 1
    raise ValueError("no ':' after the key")


def _content_end(node: Any, text: str) -> int:
    """Offset just after the last character that belongs to a node (trailing newlines not counted)."""
    kind = type(node).__name__
    if kind == "ScalarNode":
        start, end = int(node.start_mark.index), int(node.end_mark.index)
        if node.tag == _NULL_TAG and start == end:
            # An empty value: ruamel marks it at the next token; it ends where its ':' or '-' does.
            while start > 0 and text[start - 1] in " \t\r\n":
                start -= 1
            return start
        while end > start and text[end - 1] in "\n\r":
            end -= 1
        return end
    if getattr(node, "flow_style", False) or not node.value:
        return int(node.end_mark.index)
    last = node.value[-1]
    return _content_end(last[1] if kind == "MappingNode" else last, text)


def _line_end(text: str, pos: int) -> int:
    """Offset just after the newline that ends the line holding `pos` (or the end of the text)."""
    newline = text.find("\n", pos)
    return len(text) if newline < 0 else newline + 1


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _starts_line(text: str, pos: int) -> bool:
    return text[_line_start(text, pos) : pos].strip(" ") == ""


def _indent_step(node: Any) -> int:
    """How far the document indents a nested block mapping (2 when it has none)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current).__name__ != "MappingNode" or getattr(current, "flow_style", False):
            continue
        for key_node, value_node in current.value:
            if type(value_node).__name__ == "MappingNode" and not value_node.flow_style and value_node.value:
                step = value_node.value[0][0].start_mark.column - key_node.start_mark.column
                if step > 0:
                    return int(step)
            stack.append(value_node)
    return 2


def _block_lines(segments: list[str], rendered: str, column: int, step: int) -> str:
    """`a:\\n  b: value\\n` for the remaining segments, starting at `column`."""
    lines = []
    for depth, segment in enumerate(segments):
        name = render_scalar(segment)
        prefix = " " * (column + depth * step) + name + ":"
        lines.append(prefix + (" " + rendered if depth == len(segments) - 1 else ""))
    return "\n".join(lines) + "\n"


def _eol_for(text: str, pos: int) -> str:
    """The line ending used where a line is added at `pos` (a mixed file keeps its \\r\\n lines)."""
    newline = text.find("\n", pos)
    if newline < 0:
        newline = text.rfind("\n")
    return "\r\n" if newline > 0 and text[newline - 1] == "\r" else "\n"


def _text_set(text: str, segments: list[str], value: Scalar) -> str | None:
    """The edit done in the text, or None where only the dumper can do it."""
    root = _compose(text)
    if root is None:
        return None
    step = _indent_step(root)
    node = root
    for index, segment in enumerate(segments):
        if type(node).__name__ != "MappingNode":
            return None
        found = _entry(node, segment)
        if found is None:
            if node.flow_style:
                return _insert_flow(text, node, segments[index:], value)
            if not node.value:
                return None
            return _insert(text, node, segments[index:], value, step)
        key_node, value_node = found
        if index < len(segments) - 1:
            node = value_node
            continue
        return _replace(text, key_node, value_node, value)
    return None


def _insert(text: str, mapping: Any, segments: list[str], value: Scalar, step: int) -> str | None:
    first_key = mapping.value[0][0]
    last_value = mapping.value[-1][1]
    if not _starts_line(text, first_key.start_mark.index):
        return None  # a mapping that opens on a `- ` line: leave it to the dumper
    column = first_key.start_mark.column
    anchor = _line_end(text, _content_end(last_value, text))
    rendered = _block_lines(segments, render_scalar(value), column, step)
    eol = _eol_for(text, max(anchor - 1, 0))
    if eol != "\n":
        rendered = rendered.replace("\n", eol)
    if anchor > 0 and text[anchor - 1] != "\n":
        # After an unterminated last line: that line gets the newline, the new last line goes without one.
        rendered = eol + rendered[: -len(eol)]
    return text[:anchor] + rendered + text[anchor:]


def _insert_flow(text: str, mapping: Any, segments: list[str], value: Scalar) -> str:
    """`, key: value` added after the last entry of a flow mapping `{a: 1}` (nested ones inline too)."""
    rendered = render_scalar(value)
    for segment in reversed(segments[1:]):
        rendered = "{" + render_scalar(segment) + ": " + rendered + "}"
    entry = render_scalar(segments[0]) + ": " + rendered
    if not mapping.value:
        brace = text.index("{", mapping.start_mark.index)
        return text[: brace + 1] + entry + text[brace + 1 :]
    end = _content_end(mapping.value[-1][1], text)
    return text[:end] + ", " + entry + text[end:]


def _replace(text: str, key_node: Any, value_node: Any, value: Scalar) -> str | None:
    kind = type(value_node).__name__
    if kind == "ScalarNode":
        start, end = value_node.start_mark.index, value_node.end_mark.index
        style = value_node.style
        if value_node.tag == _NULL_TAG and start == end:
            colon = _colon_after(text, key_node)
            return text[:colon] + " " + render_scalar(value) + text[colon:]
        if style in ("|", ">"):
            rendered = render_scalar(value)
            tail = text[start:end]
            return text[:start] + rendered + ("\n" if tail.endswith("\n") else "") + text[end:]
        return text[:start] + render_scalar(value, style if style in ("'", '"') else None) + text[end:]
    if getattr(value_node, "flow_style", False):
        return text[: value_node.start_mark.index] + render_scalar(value) + text[value_node.end_mark.index :]
    # A block mapping or sequence replaced by a scalar: the scalar goes after the colon, the lines below go.
    colon = _colon_after(text, key_node)
    end = _line_end(text, _content_end(value_node, text))
    eol = "\r\n" if text[end - 2 : end] == "\r\n" else ("\n" if text[end - 1 : end] == "\n" else "")
    return text[:colon] + " " + render_scalar(value) + eol + text[end:]


def _round_trip_yaml(text: str) -> Any:
    """ruamel's round-trip YAML set to the file's own mapping indent and `- ` offset, with no line wrapping."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    root = _compose(text)
    step = _indent_step(root) if root is not None else 2
    offset = _sequence_offset(root)
    yaml.indent(mapping=step, sequence=offset + 2, offset=offset)
    return yaml


def _sequence_offset(root: Any) -> int:
    """How far a block sequence's `-` sits right of its parent key (0 or, as Conda writes it, 2)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if type(node).__name__ != "MappingNode":
            continue
        for key_node, value_node in node.value:
            if type(value_node).__name__ == "SequenceNode" and value_node.value and not value_node.flow_style:
                first = value_node.value[0]
                return max(0, int(first.start_mark.column) - 2 - int(key_node.start_mark.column))
            stack.append(value_node)
    return 0


def _dump_set(text: str, segments: list[str], value: Scalar) -> str:
    """The edit done by ruamel's round-trip loader and dumper (keeps comments; may re-indent)."""
    from ruamel.yaml.comments import CommentedMap

    yaml = _round_trip_yaml(text)
    document = yaml.load(io.StringIO(text))
    if document is None:
        document = CommentedMap()
    node = document
    for segment in segments[:-1]:
        if segment not in node:
            node[segment] = CommentedMap()
        node = node[segment]
    node[segments[-1]] = value
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _expected_after_set(data: Any, segments: list[str], value: Scalar, text: str) -> Any:
    expected = copy.deepcopy(data) if data is not None else {}
    if not isinstance(expected, dict):
        raise FormatError("the top level of this YAML file is not a mapping", line=1)
    node = expected
    for index, segment in enumerate(segments[:-1]):
        child = node.setdefault(segment, {})
        if not isinstance(child, dict):
            line = read(text, ".".join(f'"{s}"' for s in segments[: index + 1])).line
            kind = "null" if child is None else type(child).__name__
            raise FormatError(f"{'.'.join(segments[: index + 1])!r} holds {kind}, not a mapping", line=line)
        node = child
    node[segments[-1]] = value
    return expected


def set_value(text: str, key: str, value: Scalar) -> str:
    """The text with the key set (missing mappings created); comments, indentation and quoting kept."""
    segments = split_key(key)
    data = _load(text)
    expected = _expected_after_set(data, segments, value, text)
    current: Any = data
    for segment in segments:
        current = current.get(segment, _MISSING) if isinstance(current, dict) else _MISSING
    if type(current) is type(value) and current == value:
        return text
    if _compose(text) is None:
        fresh = new_document(key, value)
        return text + ("" if not text or text.endswith("\n") else "\n") + fresh
    try:
        edited = _text_set(text, segments, value)
    except ValueError:  # a layout the text edit does not know (a `? key`): the dumper does it
        edited = None
    if edited is not None and _reads_as(edited, expected):
        return edited
    dumped = _dump_set(text, segments, value)
    if not _reads_as(dumped, expected):
        raise FormatError(f"setting {key!r} would change more than that key; the file was left alone")
    return dumped


_MISSING = object()


def _reads_as(text: str, expected: Any) -> bool:
    """Whether the safe loader reads `text` as `expected` (an empty document counting as an empty mapping)."""
    try:
        got = _load(text)
    except FormatError:
        return False
    return bool(got == expected or (got is None and expected == {}))


def remove(text: str, key: str) -> str:
    """The text without the key and its lines; a mapping it leaves empty is written `{}`."""
    segments = split_key(key)
    data = _load(text)
    expected = copy.deepcopy(data)
    node: Any = expected
    for segment in segments[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(segment), dict):
            return text
        node = node[segment]
    if not isinstance(node, dict) or segments[-1] not in node:
        return text
    del node[segments[-1]]
    try:
        edited = _text_remove(text, segments)
    except ValueError:
        edited = None
    if edited is not None and _reads_as(edited, expected):
        return edited
    dumped = _dump_remove(text, segments)
    if not _reads_as(dumped, expected):
        raise FormatError(f"removing {key!r} would change more than that key; the file was left alone")
    return dumped


def _text_remove(text: str, segments: list[str]) -> str | None:
    root = _compose(text)
    parent_key: Any = None
    node = root
    for segment in segments[:-1]:
        found = _entry(node, segment)
        if found is None:
            return None
        parent_key, node = found
    if type(node).__name__ != "MappingNode":
        return None
    found = _entry(node, segments[-1])
    if found is None:
        return None
    key_node, value_node = found
    if node.flow_style:
        return _flow_remove(text, node, key_node)
    if not _starts_line(text, key_node.start_mark.index):
        return None
    start = _line_start(text, key_node.start_mark.index)
    end = _line_end(text, _content_end(value_node, text))
    edited = text[:start] + text[end:]
    if len(node.value) == 1 and parent_key is not None:
        # The mapping is now empty: say so, or its parent key would read as null.
        colon = _colon_after(text, parent_key)
        edited = edited[:colon] + " {}" + edited[colon:]
    else:
        edited = keep_unterminated_end(text, edited)
    return edited


def _flow_remove(text: str, mapping: Any, key_node: Any) -> str:
    """A flow mapping's entry taken out with the comma that separated it."""
    keys = [k for k, _ in mapping.value]
    index = next(i for i, k in enumerate(keys) if k is key_node)
    end = _content_end(mapping.value[index][1], text)
    if index > 0:
        return text[: _content_end(mapping.value[index - 1][1], text)] + text[end:]
    if len(keys) > 1:
        return text[: key_node.start_mark.index] + text[keys[1].start_mark.index :]
    return text[: key_node.start_mark.index] + text[end:]


def _dump_remove(text: str, segments: list[str]) -> str:

    yaml = _round_trip_yaml(text)
    document = yaml.load(io.StringIO(text))
    node = document
    for segment in segments[:-1]:
        node = node[segment]
    del node[segments[-1]]
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def new_document(key: str, value: Scalar) -> str:
    """A fresh YAML file holding the key, nested mappings indented by two spaces."""
    return _block_lines(split_key(key), render_scalar(value), 0, 2)
