"""Turn pydantic validation failures and YAML syntax errors into one readable :class:`twin.errors.InputError`.

Every input file of ParkTwin (``park.yaml``, scenario files) is parsed with :func:`load_yaml` and validated with
:func:`parse_model`. A user with three typos gets one error that lists all three, each line of the form::

    park.yaml: stacks[3].height: Input should be greater than 0, got -3.0

so the line names the file, the field, what is allowed and the value received.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from twin.errors import InputError, MissingInputError
from twin.textfiles import read_text

__all__ = ["parse_model", "load_yaml", "format_location"]

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

_REPR_LIMIT = 120  # characters of an offending value shown in a message

# Largest YAML document accepted, counted as nodes with every alias expanded where it is used. A park of 2,000
# buildings with a dozen fields each is about 50,000; a "billion laughs" file of 500 bytes expands to 10⁹.
MAX_YAML_NODES = 2_000_000


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key repeated in one mapping (YAML 1.2 §3.2.1.1 requires keys to be unique;
    PyYAML keeps the last one silently, so a second ``stacks: []`` would remove every stack)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first_line: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    if key in first_line:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key {str(key)[:_REPR_LIMIT]!r} (first given at line "
                            f"{first_line[key]}); each key may appear once in a mapping", key_node.start_mark)
                    first_line[key] = key_node.start_mark.line + 1
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    pass
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node, memo: dict) -> int:
    """Nodes in ``node`` with every alias expanded (aliases are shared node objects; memoised by identity)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = 1  # a recursive alias counts once instead of looping
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    else:
        size = 1
    memo[id(node)] = size
    return size


def _parse_yaml(text: str, where: str) -> Any:
    """The YAML document in ``text`` with unique keys and at most :data:`MAX_YAML_NODES` nodes once its aliases are
    expanded (refused before anything is built)."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, {})
        if size > MAX_YAML_NODES:
            raise InputError(f"{where}: the YAML expands to {size:.3g} values through its aliases (&/*); at most "
                             f"{MAX_YAML_NODES:,} are accepted")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def format_location(location: tuple[int | str, ...]) -> str:
    """``("stacks", 3, "height")`` → ``"stacks[3].height"``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 1] + "…"


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (``Optional[list[Stack]]`` → ``[list[Stack]]``)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                found.extend(_unwrap(arg))
        return found
    return [annotation]


def _model_at(model_cls: type[pydantic.BaseModel], location: tuple[int | str, ...]) -> type | None:
    """Follow ``location`` through field annotations and return the pydantic model found there, if any."""
    candidates: list[Any] = [model_cls]
    for part in location:
        next_candidates: list[Any] = []
        for candidate in candidates:
            origin = typing.get_origin(candidate)
            if isinstance(part, str) and isinstance(candidate, type) and issubclass(candidate, pydantic.BaseModel):
                field = candidate.model_fields.get(part)
                if field is not None:
                    next_candidates.extend(_unwrap(field.annotation))
            elif isinstance(part, int) and origin in (list, tuple):
                for arg in typing.get_args(candidate):
                    if arg is not Ellipsis:
                        next_candidates.extend(_unwrap(arg))
            elif isinstance(part, str) and origin is dict:
                next_candidates.extend(_unwrap(typing.get_args(candidate)[1]))
        candidates = next_candidates
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, pydantic.BaseModel):
            return candidate
    return None


def _located_path(data: Any, location: tuple) -> str:
    """The dotted path, with the id of the list item it passes through: ``stacks[3] (id 'S004').height``."""
    text, node = "", data
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(part, int) and isinstance(node, dict) and isinstance(node.get("id"), str):
            text += f" (id {node['id']!r})"
    return text


def _describe(model_cls: type[pydantic.BaseModel], error: dict[str, Any], where: str, data: Any = None) -> str:
    location = tuple(error["loc"])
    path = _located_path(data, location)
    prefix = f"{where}: {path}: " if path else f"{where}: "
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(model_cls, location[:-1])
        allowed = ", ".join(sorted(parent.model_fields)) if parent is not None else "see the JSON Schema"
        return f"{prefix}unknown field (allowed fields: {allowed}), got {_short_repr(error['input'])}"
    if kind == "missing":
        return f"{prefix}field required, got nothing"
    message = str(error["msg"])
    if kind in ("value_error", "assertion_error"):
        # Our own validators put the offending value into the message; the raw input may be a whole list.
        return prefix + message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return f"{prefix}{message}, got {_short_repr(error['input'])}"


def parse_model(model_cls: type[ModelT], data: Any, where: str) -> ModelT:
    """Validate ``data`` as ``model_cls``; raise one :class:`InputError` listing every problem.

    Parameters
    ----------
    model_cls : type[pydantic.BaseModel]
        The model to build (e.g. ``twin.park.ParkSpec``).
    data : Any
        Parsed YAML/JSON (usually a dict).
    where : str
        Name of the input, used as prefix of every message line (e.g. ``"park.yaml"``).

    Returns
    -------
    The validated model instance.

    Raises
    ------
    InputError
        One line per problem: ``"{where}: {dotted.field.path}: {what is allowed}, got {value!r}"``.
    """
    try:
        return model_cls.model_validate(data)
    except pydantic.ValidationError as exc:
        lines = [_describe(model_cls, error, where, data) for error in exc.errors(include_url=False)]
        raise InputError("\n".join(lines)) from None


def load_yaml(path: str | Path, where: str | None = None, *, expect_mapping: bool = True) -> Any:
    """Read a YAML file: UTF-8 (with or without BOM) or GBK/GB18030 (:func:`twin.textfiles.read_text`).

    Raises
    ------
    MissingInputError
        The file does not exist (exit code 66).
    InputError
        The YAML is malformed (the message gives the line and column), repeats a key in one mapping, expands
        through its aliases to more than :data:`MAX_YAML_NODES` values or, with ``expect_mapping``, its top level
        is not a mapping.
    """
    path = Path(path)
    where = where or path.name
    if not path.is_file():
        raise MissingInputError(f"{where}: file not found: {path}")
    text = read_text(path, where)
    try:
        data = _parse_yaml(text, where)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{where}: malformed YAML at {place}{problem}") from None
    if expect_mapping and not isinstance(data, dict):
        raise InputError(f"{where}: top level must be a mapping of field: value, got {type(data).__name__}")
    return data
