"""The published Bot API description (api.json) and checks of calls and results against it.

The sandbox answers the bot the way Telegram would, but the shapes it accepts and returns are
written by hand. Checking both directions against the scraped description keeps the two from
drifting apart silently: a parameter the bot sends that Telegram does not know, or a field the
sandbox invents, becomes a visible error instead of a test that passes for the wrong reason.

The layout of api.json is described in ``../shared/telegram-bot-api/SOURCE.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sandbox.files import Upload

__all__ = ["BotApiSpec", "Field", "MethodDef", "TypeDef", "default_spec_path"]

PRIMITIVES = frozenset({"Integer", "Float", "String", "Boolean"})
ARRAY_PREFIX = "Array of "

# "Required if inline_message_id is not specified", "required if rich_message isn't
# specified", "Required if chat_id and message_id are not specified". Other conditions
# ("required if the message is sent to a direct messages chat") cannot be checked mechanically.
_REQUIRED_IF_ABSENT = re.compile(
    r"[Rr]equired if ((?:\w+)(?: and \w+)*) (?:is not|are not|isn't|aren't) specified"
)
# Discriminator constants only exist in prose: 'Scope type, must be chat',
# 'The member's status in the chat, always "kicked"'.
_DISCRIMINATOR = re.compile(r"(?:must be|always) [\"“]?([\w-]+)[\"”]?")
_DISCRIMINATOR_FIELDS = ("type", "status", "source")


def default_spec_path() -> Path:
    """Where a checkout finds the shared api.json: ``<repo>/../shared/telegram-bot-api``."""
    repo_root = Path(__file__).resolve().parents[1]
    return repo_root / ".." / "shared" / "telegram-bot-api" / "api.json"


@dataclass(frozen=True)
class Field:
    """One parameter of a method or one field of an object type."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str

    @property
    def required_unless(self) -> tuple[str, ...]:
        """Names of the parameters whose absence makes this optional one required."""
        match = _REQUIRED_IF_ABSENT.search(self.description)
        return tuple(match.group(1).split(" and ")) if match else ()


@dataclass(frozen=True)
class MethodDef:
    """A Bot API method: its parameters by name and its possible result types."""

    name: str
    fields: Mapping[str, Field]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class TypeDef:
    """A Bot API object type, a union (``subtypes``) or an opaque type (neither)."""

    name: str
    fields: Mapping[str, Field]
    subtypes: tuple[str, ...]
    # (field name, constant), e.g. ("type", "photo") for InputMediaPhoto.
    discriminator: tuple[str, str] | None


def _parse_field(raw: Mapping[str, Any]) -> Field:
    return Field(
        name=str(raw["name"]),
        types=tuple(str(t) for t in raw["types"]),
        required=bool(raw["required"]),
        description=str(raw.get("description", "")),
    )


def _discriminator(fields: Mapping[str, Field]) -> tuple[str, str] | None:
    for name in _DISCRIMINATOR_FIELDS:
        field = fields.get(name)
        if field is None or field.types != ("String",):
            continue
        match = _DISCRIMINATOR.search(field.description)
        if match:
            return name, match.group(1)
    return None


def _describe(value: object) -> str:
    """A short name for a JSON value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, Upload):
        return "InputFile"
    return type(value).__name__


def _shape_matches(type_name: str, value: object) -> bool:
    """Whether a value has the right JSON shape to be judged as ``type_name`` at all."""
    if type_name.startswith(ARRAY_PREFIX):
        return isinstance(value, list)
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "InputFile":
        return isinstance(value, Upload | str)
    return isinstance(value, dict)


class BotApiSpec:
    """The methods and types of one api.json, with validators for calls and results."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = str(data.get("version", "unknown"))
        self.methods: dict[str, MethodDef] = {}
        for name, raw in data["methods"].items():
            fields = {f.name: f for f in map(_parse_field, raw.get("fields", []))}
            self.methods[name] = MethodDef(name, fields, tuple(raw.get("returns", [])))
        self.types: dict[str, TypeDef] = {}
        for name, raw in data["types"].items():
            fields = {f.name: f for f in map(_parse_field, raw.get("fields", []))}
            self.types[name] = TypeDef(
                name, fields, tuple(raw.get("subtypes", [])), _discriminator(fields)
            )
        # Telegram matches method names case-insensitively.
        self._by_lower = {name.lower(): name for name in self.methods}

    @classmethod
    def load(cls, path: Path) -> BotApiSpec:
        """Loads api.json, cached per file because tests build many sandboxes."""
        return _load_cached(path.resolve())

    def method(self, name: str) -> MethodDef | None:
        """The method called ``name`` (any letter case), or None."""
        canonical = self._by_lower.get(name.lower())
        return self.methods[canonical] if canonical else None

    # -- calls ---------------------------------------------------------------------------

    def validate_call(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        attachments: Collection[str] | None = None,
    ) -> list[str]:
        """Problems with calling ``method`` with decoded ``params``; empty when acceptable.

        ``attachments`` names the multipart parts an ``attach://name`` value may refer to;
        None skips that check.
        """
        definition = self.method(method)
        if definition is None:
            return [f"unknown method {method!r}"]
        problems: list[str] = []
        for name in params:
            if name not in definition.fields:
                problems.append(f"unknown parameter {name!r} for {definition.name}")
        for field in definition.fields.values():
            if field.name in params:
                continue
            if field.required:
                problems.append(f"missing required parameter {field.name!r} for {definition.name}")
            elif field.required_unless and not any(p in params for p in field.required_unless):
                alternatives = " or ".join(field.required_unless)
                problems.append(
                    f"missing parameter {field.name!r} for {definition.name} "
                    f"(required when {alternatives} is not given)"
                )
        for name, value in params.items():
            field_def = definition.fields.get(name)
            if field_def is not None:
                problems.extend(self._check(field_def.types, value, name, attachments))
        return problems

    # -- results -------------------------------------------------------------------------

    def validate_result(self, type_names: Sequence[str], value: object) -> list[str]:
        """Problems with ``value`` as a result of one of ``type_names``; empty when valid.

        A method returning ``Boolean`` always returns ``true``.
        """
        if list(type_names) == ["Boolean"]:
            return [] if value is True else [f"result: expected true, got {value!r}"]
        return self._check(tuple(type_names), value, "result", None)

    def validate_object(self, type_name: str, value: object, path: str = "value") -> list[str]:
        """Problems with ``value`` as an instance of the object type ``type_name``."""
        return self._check((type_name,), value, path, None)

    # -- the recursive checker -----------------------------------------------------------

    def _check(
        self,
        type_names: Sequence[str],
        value: object,
        path: str,
        attachments: Collection[str] | None,
    ) -> list[str]:
        candidates = [t for t in type_names if _shape_matches(t, value)]
        if not candidates:
            expected = " or ".join(type_names)
            return [f"{path}: expected {expected}, got {_describe(value)}"]
        best: list[str] | None = None
        for type_name in candidates:
            problems = self._check_one(type_name, value, path, attachments)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _check_one(
        self, type_name: str, value: object, path: str, attachments: Collection[str] | None
    ) -> list[str]:
        if type_name.startswith(ARRAY_PREFIX):
            assert isinstance(value, list)
            item_type = type_name[len(ARRAY_PREFIX) :]
            problems: list[str] = []
            for index, item in enumerate(value):
                problems.extend(self._check((item_type,), item, f"{path}[{index}]", attachments))
            return problems
        if type_name in PRIMITIVES:
            return []  # _shape_matches already checked the JSON type
        if type_name == "InputFile":
            return self._check_input_file(value, path, attachments)
        definition = self.types.get(type_name)
        if definition is None:
            return [f"{path}: api.json names an unknown type {type_name!r}"]
        assert isinstance(value, dict)
        if definition.subtypes:
            return self._check_union(definition, value, path, attachments)
        return self._check_fields(definition, value, path, attachments)

    def _check_input_file(
        self, value: object, path: str, attachments: Collection[str] | None
    ) -> list[str]:
        if isinstance(value, Upload):
            return []
        assert isinstance(value, str)
        if not value.startswith("attach://"):
            return [f"{path}: expected a file upload or attach://<name>, got a String"]
        name = value.removeprefix("attach://")
        if attachments is not None and name not in attachments:
            return [f"{path}: {value} refers to no uploaded part"]
        return []

    def _check_union(
        self,
        definition: TypeDef,
        value: dict[str, Any],
        path: str,
        attachments: Collection[str] | None,
    ) -> list[str]:
        # Narrow by discriminator first so that the error is about the intended subtype
        # ("BotCommandScopeChat has no field x") rather than about the union as a whole.
        # Only when every member is told apart by the same field ("type", "status").
        members = list(definition.subtypes)
        keyed = {
            member: disc
            for member in members
            if member in self.types and (disc := self.types[member].discriminator) is not None
        }
        keys = {key for key, _ in keyed.values()}
        if len(keyed) == len(members) and len(keys) == 1:
            key = keys.pop()
            given = value.get(key)
            matching = [member for member, (_, constant) in keyed.items() if constant == given]
            if not matching:
                allowed = ", ".join(sorted({constant for _, constant in keyed.values()}))
                return [
                    f"{path}.{key}: {given!r} is not a kind of {definition.name} "
                    f"(expected one of {allowed})"
                ]
            members = matching
        return self._check(members, value, path, attachments)

    def _check_fields(
        self,
        definition: TypeDef,
        value: dict[str, Any],
        path: str,
        attachments: Collection[str] | None,
    ) -> list[str]:
        problems: list[str] = []
        for key in value:
            if key not in definition.fields:
                problems.append(f"{path}.{key}: unknown field of {definition.name}")
        for field in definition.fields.values():
            if field.name not in value:
                if field.required:
                    problems.append(
                        f"{path}: missing required field {field.name!r} of {definition.name}"
                    )
                continue
            problems.extend(
                self._check(field.types, value[field.name], f"{path}.{field.name}", attachments)
            )
        if definition.discriminator is not None:
            key, constant = definition.discriminator
            if key in value and value[key] != constant:
                problems.append(f"{path}.{key}: must be {constant!r} for {definition.name}")
        return problems


@lru_cache(maxsize=4)
def _load_cached(path: Path) -> BotApiSpec:
    with path.open(encoding="utf-8") as handle:
        return BotApiSpec(json.load(handle))
