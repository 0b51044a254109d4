# ruff: noqa: E501 - tables of messages, one case a line
"""The e-form core: schemas × answers → accepted values or refused with the message the
applicant reads (English here; the Vietnamese is in the .po file), and definitions a
supervisor may not save. The cases are written out by hand, not generated from the code."""

from datetime import date

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.eforms import defaults
from motcua.eforms.demo import shipped
from motcua.eforms.messages import answer_messages, definition_messages
from motcua.eforms.schema import DefinitionError, Form, load_json

TODAY = date(2025, 3, 3)

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "Họ tên", "minLength": 2, "maxLength": 10},
        "code": {"type": "string", "title": "Mã", "pattern": "^[0-9]{3}$"},
        "email": {"type": "string", "format": "email", "title": "Thư điện tử"},
        "age": {"type": "integer", "title": "Tuổi", "minimum": 0, "maximum": 150},
        "capital": {"type": "number", "title": "Vốn", "minimum": 0},
        "ratio": {"type": "number", "title": "Tỷ lệ", "exclusiveMaximum": 1},
        "born": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "start": {"type": "string", "format": "date", "title": "Ngày bắt đầu"},
        "on": {"type": "string", "format": "date", "title": "Ngày"},
        "sex": {"type": "string", "enum": ["nam", "nu"], "title": "Giới tính"},
        "agree": {"type": "boolean", "const": True, "title": "Cam đoan"},
        "married": {"type": "boolean", "title": "Đã kết hôn"},
        "note": {"type": "string", "title": "Ghi chú"},
        "members": {
            "type": "array",
            "title": "Thành viên",
            "maxItems": 2,
            "items": {
                "type": "object",
                "properties": {
                    "n": {"type": "string", "title": "Tên"},
                    "y": {"type": "integer", "title": "Năm sinh"},
                },
                "required": ["n"],
            },
        },
    },
    "required": ["name", "agree"],
}
UI = {
    "fields": {
        "born": {"when": "past"},
        "start": {"when": "future"},
        "married": {"widget": "radio"},
        "code": {"error": "Ba chữ số."},
        "note": {"widget": "textarea"},
    }
}
BASE = {"name": "An", "agree": "on"}

# (answers added to BASE, what comes out): a dict of values accepted, or (input name,
# message) refused. Written from what an applicant types and what the form must say.
CASES = [
    ({}, {"name": "An", "agree": True}),
    ({"name": "  Trần   Bình "}, {"name": "Trần Bình"}),
    ({"name": ""}, ("name", "Fill in this field.")),
    ({"name": "   "}, ("name", "Fill in this field.")),
    ({"name": "A"}, ("name", "Write at least 2 characters.")),
    ({"name": "x" * 11}, ("name", "Write at most 10 characters (this has 11).")),
    ({"name": "x" * 10_000}, ("name", "Write at most 10 characters (this has 10.000).")),
    ({"name": "An\x00"}, ("name", "Remove the invisible control characters from this text.")),
    # Vietnamese typed with combining marks is stored composed (NFC).
    ({"name": "Hoa\u0300"}, {"name": "Hoà"}),
    ({"code": "12a"}, ("code", "Ba chữ số.")),
    ({"code": "123"}, {"code": "123"}),
    ({"email": "not-an-address"}, ("email", "Enter an e-mail address such as ten@example.vn.")),
    ({"email": "an@example.vn"}, {"email": "an@example.vn"}),
    ({"age": "30"}, {"age": 30}),
    ({"age": "abc"}, ("age", "Enter a number, e.g. 1.500.000 or 2,5.")),
    ({"age": "1.5"}, ("age", "Enter a whole number.")),
    ({"age": "2,5"}, ("age", "Enter a whole number.")),
    ({"age": "151"}, ("age", "Enter at most 150.")),
    ({"age": "-1"}, ("age", "Enter at least 0.")),
    ({"age": "1.000"}, ("age", "Enter at most 150.")),  # "1.000" is a thousand in Vietnamese
    ({"capital": "1.500.000"}, {"capital": 1_500_000}),
    ({"capital": "1 500 000"}, {"capital": 1_500_000}),
    ({"capital": "2,5"}, {"capital": 2.5}),
    ({"capital": "2.5"}, {"capital": 2.5}),
    ({"capital": "1.234.567,5"}, {"capital": 1_234_567.5}),
    ({"capital": "1e5"}, ("capital", "Enter a number, e.g. 1.500.000 or 2,5.")),
    ({"capital": "NaN"}, ("capital", "Enter a number, e.g. 1.500.000 or 2,5.")),
    ({"capital": "Infinity"}, ("capital", "Enter a number, e.g. 1.500.000 or 2,5.")),
    ({"capital": "10^30"}, ("capital", "Enter a number, e.g. 1.500.000 or 2,5.")),
    ({"capital": "1" + "0" * 30}, ("capital", "Enter at most 1.000.000.000.000.000.")),
    ({"capital": "-5"}, ("capital", "Enter at least 0.")),
    ({"ratio": "1"}, ("ratio", "Enter less than 1.")),
    ({"ratio": "0,75"}, {"ratio": 0.75}),
    ({"born": "15/08/1990"}, {"born": "1990-08-15"}),
    ({"born": "1990-08-15"}, {"born": "1990-08-15"}),
    ({"born": "5/8/1990"}, {"born": "1990-08-05"}),
    ({"born": "31/02/2020"}, ("born", "Enter a real date as dd/mm/yyyy.")),
    ({"born": "hôm qua"}, ("born", "Enter a real date as dd/mm/yyyy.")),
    ({"born": "0001-01-01"}, ("born", "Enter a date from 01/01/1900 on.")),
    ({"on": "9999-12-31"}, ("on", "Enter a date up to 31/12/2100.")),
    ({"born": "04/03/2025"}, ("born", "The date cannot be after today.")),
    ({"born": "03/03/2025"}, {"born": "2025-03-03"}),
    ({"start": "02/03/2025"}, ("start", "The date cannot be before today.")),
    ({"start": "03/03/2025"}, {"start": "2025-03-03"}),
    ({"sex": "nu"}, {"sex": "nu"}),
    ({"sex": "x"}, ("sex", "Choose one of the options.")),
    ({"agree": ""}, ("agree", "Tick this box to go on.")),
    ({"married": "no"}, {"married": False}),
    ({"married": "yes"}, {"married": True}),
    ({"married": "maybe"}, ("married", "Choose one of the options.")),
    ({"note": "Dòng 1\r\nDòng 2"}, {"note": "Dòng 1\nDòng 2"}),
    ({"note": "x" * 4001}, ("note", "Write at most 4.000 characters (this has 4.001).")),
    ({"members-0-n": "Lan", "members-0-y": "1990"}, {"members": [{"n": "Lan", "y": 1990}]}),
    ({"members-0-n": "", "members-0-y": ""}, {"name": "An"}),  # an empty row is no row
    ({"members-0-y": "1990"}, ("members-0-n", "Fill in this field.")),
    (
        {"members-3-n": "Lan", "members-3-y": "năm"},
        ("members-3-y", "Enter a number, e.g. 1.500.000 or 2,5."),
    ),
    (
        {"members-0-n": "A", "members-1-n": "B", "members-2-n": "C"},
        {"members": [{"n": "A"}, {"n": "B"}]},  # rows beyond maxItems are not read
    ),
    ({"evil": "x", "members-x-n": "y", "members-0": "z"}, {"name": "An"}),
]


@pytest.fixture(scope="module")
def form():
    return Form(SCHEMA, UI)


@pytest.mark.parametrize(("answers", "expected"), CASES)
def test_answers_are_accepted_or_refused_with_the_right_message(form, answers, expected):
    data, problems = form.parse({**BASE, **answers}, TODAY)
    with translation.override("en"):
        messages = answer_messages(problems)
    if isinstance(expected, dict):
        assert messages == {}
        assert data.items() >= expected.items()
        assert "evil" not in data
    else:
        key, message = expected
        assert message in messages.get(key, []), messages
        assert data == {}


def test_a_group_with_too_many_rows_says_so():
    schema = {
        "type": "object",
        "properties": {
            "rows": {
                "type": "array",
                "title": "Dòng",
                "minItems": 2,
                "items": {"type": "object", "properties": {"n": {"type": "string", "title": "N"}}},
            }
        },
        "required": ["rows"],
    }
    form = Form(schema)
    with translation.override("en"):
        _, problems = form.parse({}, TODAY)
        assert answer_messages(problems) == {"rows": ["Add at least 2 row(s)."]}
        _, problems = form.parse({"rows-0-n": "a"}, TODAY)
        assert answer_messages(problems) == {"rows": ["Add at least 2 row(s)."]}
    data, problems = form.parse({"rows-0-n": "a", "rows-7-n": "b"}, TODAY)
    assert problems == [] and data == {"rows": [{"n": "a"}, {"n": "b"}]}


def test_conditional_requirements_of_json_schema_apply():
    schema = {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "title": "Loại", "enum": ["person", "company"]},
            "tax_code": {"type": "string", "title": "Mã số thuế"},
        },
        "if": {"properties": {"kind": {"const": "company"}}, "required": ["kind"]},
        "then": {"required": ["tax_code"]},
    }
    form = Form(schema)
    assert form.parse({"kind": "person"}, TODAY)[1] == []
    _, problems = form.parse({"kind": "company"}, TODAY)
    assert [(p.field, p.code) for p in problems] == [("tax_code", "required")]


def test_fields_filled_from_a_verified_identity_cannot_be_changed():
    schema, ui = defaults.builtin()
    form = Form(schema, ui)
    account = {"full_name": "Nguyễn Văn An", "id_number": "035085001234", "address": "Phủ Lý"}
    assert form.locked(account, verified=False) == {}
    locked = form.locked(account, verified=True)
    assert locked == {"applicant_name": "Nguyễn Văn An", "id_number": "035085001234"}
    answers = {
        "applicant_name": "Người Khác",
        "id_number": "001099000001",
        "address": "Hà Nội",
        "request": "Cấp bản sao",
        "declaration": "on",
    }
    data, problems = form.parse(answers, TODAY, locked=locked)
    assert problems == []
    assert data["applicant_name"] == "Nguyễn Văn An" and data["id_number"] == "035085001234"
    assert data["address"] == "Hà Nội"  # contact details stay the applicant's to change
    assert form.initial({**account, "birth_date": date(1985, 3, 12)})["birth_date"] == "1985-03-12"


DEFINITIONS = [
    (
        "{",
        "{}",
        "The schema is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2).",
    ),
    ("[]", "{}", "The schema must be a JSON object ({…})."),
    (
        '{"type": "object", "properties": {"a": {"type": "strin", "title": "A"}}}',
        "{}",
        "The schema is not a valid JSON Schema",
    ),
    (
        '{"type": "string"}',
        "{}",
        'The schema must describe an object: {"type": "object", "properties": {…}}.',
    ),
    ('{"type": "object", "properties": {}}', "{}", "The form has no fields."),
    (
        '{"type": "object", "properties": {"Họ tên": {"type": "string", "title": "A"}}}',
        "{}",
        "Field “Họ tên”: Field names are lower-case Latin letters",
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string"}}}',
        "{}",
        'Field “a”: The field needs a "title"',
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "object", "title": "A"}}}',
        "{}",
        "Field “a”: This kind of field is not supported",
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A"}}, "required": ["b"]}',
        "{}",
        '"required" names a field that does not exist: b.',
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A", "pattern": "("}}}',
        "{}",
        "The schema is not a valid JSON Schema: '(' is not a 'regex' (at properties/a/pattern).",
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A", "pattern": "'
        + "a" * 501
        + '"}}}',
        "{}",
        'Field “a”: The "pattern" is not a valid regular expression: longer than 500 characters.',
    ),
    (
        '{"type": "object", "properties": {"a": {"$ref": "#/$defs/x", "title": "A"}}, "$defs": {"x": {"type": "string"}}}',
        "{}",
        "The schema may not use $ref",
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A", "enum": [1, 2]}}}',
        "{}",
        'Field “a”: The choices ("enum") must be',
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A", "maxLength": 100000}}}',
        "{}",
        "Field “a”: A limit of this field is too large (at most 10.000).",
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "number", "title": "A", "maximum": 1e30}}}',
        "{}",
        "Field “a”: A limit of this field is too large",
    ),
    (
        '{"type": "object", "properties": {"g": {"type": "array", "title": "G", "items": {"type": "object", "properties": {"h": {"type": "array", "title": "H", "items": {"type": "object", "properties": {}}}}}}}}',
        "{}",
        "Field “h”: This kind of field is not supported",
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A"}}}',
        "{",
        "The UI hints is not valid JSON",
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A"}}}',
        '{"layout": []}',
        'The UI hints have an unknown key "layout"',
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A"}}}',
        '{"fields": {"b": {}}}',
        "Field “b”: The UI hints name a field that is not in the schema.",
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "number", "title": "A"}}}',
        '{"fields": {"a": {"widget": "textarea"}}}',
        'Field “a”: The widget "textarea" does not fit this kind of field.',
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A"}}}',
        '{"fields": {"a": {"prefill": "password"}}}',
        'Field “a”: "prefill" must be one of the account',
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A", "enum": ["x"]}}}',
        '{"fields": {"a": {"labels": {"y": "Y"}}}}',
        'Field “a”: "labels" must give a text',
    ),
    (
        '{"type": "object", "properties": {"a": {"type": "string", "title": "A"}}}',
        '{"sections": [{"title": "S", "fields": ["a"]}, {"title": "T", "fields": ["a"]}]}',
        "Field “a”: The field is listed in more than one section.",
    ),
]


@pytest.mark.parametrize(("schema", "ui", "message"), DEFINITIONS)
def test_a_definition_that_makes_no_form_is_refused_with_a_clear_message(schema, ui, message):
    with pytest.raises(DefinitionError) as refused:
        Form(load_json(schema, "schema"), load_json(ui, "ui"))
    with translation.override("en"):
        lines = definition_messages(refused.value)
    assert any(line.startswith(message) for line in lines), lines


def test_the_built_in_and_shipped_forms_are_valid():
    schema, ui = defaults.builtin()
    assert [f.name for f in Form(schema, ui).fields][:2] == ["applicant_name", "id_number"]
    forms = shipped()
    assert len(forms) >= 5
    for spec in forms:
        Form(spec["schema"], spec["ui"])


# --- Never raises, whatever is typed or saved ---------------------------------------------------

KEYS = [
    "name",
    "code",
    "email",
    "age",
    "capital",
    "ratio",
    "born",
    "start",
    "on",
    "sex",
    "agree",
    "married",
    "note",
    "members-0-n",
    "members-0-y",
    "members-49-y",
]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), st.text(max_size=300)))
def test_parsing_never_raises_on_any_text(answers):
    form = Form(SCHEMA, UI)
    data, problems = form.parse(answers, TODAY)
    if problems:
        assert data == {}  # refused: nothing to store
    else:
        # accepted: only the form's fields, and what it requires is there
        assert set(data) <= set(form.by_name) and data["agree"] is True and data["name"]
    for problem in problems:
        assert problem.field == "" or problem.field.split("-")[0] in form.by_name
    with translation.override("vi"):
        answer_messages(problems)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_a_number_or_date_field_never_raises_on_any_text(number, day):
    form = Form(SCHEMA, UI)
    form.parse({"capital": number, "age": number, "born": day, "start": day}, TODAY)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON, JSON)
def test_any_json_is_a_form_or_a_definition_error(schema, ui):
    try:
        Form(schema, ui)
    except DefinitionError as error:
        with translation.override("en"):
            assert definition_messages(error)


def test_every_missing_field_is_named_not_only_the_first():
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "title": "A"},
            "b": {"type": "string", "title": "B"},
            "c": {"type": "string", "enum": ["x"], "title": "C"},
        },
        "required": ["a", "b", "c"],
    }
    _, problems = Form(schema).parse({"b": "đã khai"}, TODAY)
    assert [(p.field, p.code) for p in problems] == [("a", "required"), ("c", "required")]
