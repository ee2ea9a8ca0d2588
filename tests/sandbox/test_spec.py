"""The sandbox's method table and validators, checked against the published api.json."""

from __future__ import annotations

import pytest

from sandbox.files import Upload
from sandbox.server import METHODS, Kind, kind_of
from sandbox.spec import BotApiSpec
from tests.sandbox.conftest import spec_or_skip


@pytest.fixture(scope="module")
def spec() -> BotApiSpec:
    return BotApiSpec.load(spec_or_skip())


def test_every_implemented_method_exists_in_the_bot_api(spec: BotApiSpec) -> None:
    unknown = [name for name in METHODS if name not in spec.methods]
    assert unknown == [], f"methods the sandbox implements but api.json lacks: {unknown}"


def test_every_honoured_parameter_exists_with_the_same_kind(spec: BotApiSpec) -> None:
    problems = []
    for method, params in METHODS.items():
        fields = spec.methods[method].fields
        for name, kind in params.items():
            if name not in fields:
                problems.append(f"{method}.{name} is not a parameter in api.json")
            elif kind_of(fields[name].types) is not kind:
                problems.append(f"{method}.{name}: {kind} but api.json says {fields[name].types}")
    assert problems == []


def test_required_parameters_are_all_honoured(spec: BotApiSpec) -> None:
    missing = [
        f"{method}.{field.name}"
        for method in METHODS
        for field in spec.methods[method].fields.values()
        if field.required and field.name not in METHODS[method]
    ]
    assert missing == [], f"required by api.json but ignored by the sandbox: {missing}"


def test_kinds_cover_the_type_lists_used_by_the_table() -> None:
    assert kind_of(["Integer", "String"]) is Kind.CHAT
    assert kind_of(["InputFile", "String"]) is Kind.FILE
    assert kind_of(["InlineKeyboardMarkup", "ReplyKeyboardMarkup"]) is Kind.JSON
    assert kind_of(["Array of String"]) is Kind.JSON


def test_call_validation_reports_unknown_missing_and_mistyped(spec: BotApiSpec) -> None:
    assert spec.validate_call("sendMessage", {"chat_id": 1, "text": "hi"}) == []
    problems = spec.validate_call("sendMessage", {"chat_id": "x", "colour": "red"})
    assert "unknown parameter 'colour' for sendMessage" in problems
    assert "missing required parameter 'text' for sendMessage" in problems
    assert spec.validate_call("sendMessage", {"chat_id": 1.5, "text": "x"}) == [
        "chat_id: expected Integer or String, got Float"
    ]
    assert spec.validate_call("noSuchMethod", {}) == ["unknown method 'noSuchMethod'"]


def test_nested_objects_are_checked_field_by_field(spec: BotApiSpec) -> None:
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "y", "colour": 1}]]}
    problems = spec.validate_call(
        "sendMessage", {"chat_id": 1, "text": "x", "reply_markup": markup}
    )
    assert problems == [
        "reply_markup.inline_keyboard[0][0].colour: unknown field of InlineKeyboardButton"
    ]
    keyboard = {"keyboard": [[{"text": "Kirim lokasi", "request_location": True}]]}
    assert (
        spec.validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": keyboard})
        == []
    )


def test_unions_are_narrowed_by_their_discriminator(spec: BotApiSpec) -> None:
    ok = {
        "commands": [{"command": "start", "description": "Mulai"}],
        "scope": {"type": "chat", "chat_id": 5},
    }
    assert spec.validate_call("setMyCommands", ok) == []
    wrong_field = {**ok, "scope": {"type": "chat", "user_id": 5}}
    problems = spec.validate_call("setMyCommands", wrong_field)
    assert "scope.user_id: unknown field of BotCommandScopeChat" in problems
    assert "scope: missing required field 'chat_id' of BotCommandScopeChat" in problems
    bad_kind = {**ok, "scope": {"type": "everyone"}}
    assert spec.validate_call("setMyCommands", bad_kind)[0].startswith(
        "scope.type: 'everyone' is not a kind of BotCommandScope"
    )


def test_conditional_requirements_and_uploads(spec: BotApiSpec) -> None:
    problems = spec.validate_call("editMessageText", {"chat_id": 1, "message_id": 2})
    assert any(p.startswith("missing parameter 'text' for editMessageText") for p in problems)
    assert spec.validate_call("editMessageText", {"inline_message_id": "a", "text": "x"}) == []
    upload = Upload("photo", "a.png", "image/png", b"...")
    assert spec.validate_call("sendPhoto", {"chat_id": 1, "photo": upload}) == []
    media = [{"type": "photo", "media": "attach://p1"}, {"type": "photo", "media": "attach://p2"}]
    assert spec.validate_call("sendMediaGroup", {"chat_id": 1, "media": media}) == []


def test_result_validation(spec: BotApiSpec) -> None:
    chat = {"id": 1, "type": "private", "first_name": "Rina"}
    message = {"message_id": 1, "date": 0, "chat": chat, "text": "hi"}
    assert spec.validate_result(["Message", "Boolean"], message) == []
    assert spec.validate_result(["Boolean"], True) == []
    assert spec.validate_result(["Boolean"], False) == ["result: expected true, got False"]
    broken = {"message_id": "1", "chat": {**chat, "colour": "red"}, "text": "hi"}
    problems = spec.validate_result(["Message"], broken)
    assert "result: missing required field 'date' of Message" in problems
    assert "result.chat.colour: unknown field of Chat" in problems
    assert "result.message_id: expected Integer, got String" in problems
    assert spec.validate_result(["Array of Update"], [{"update_id": 1, "message": message}]) == []
