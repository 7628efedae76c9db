"""The normalising layer: every form strips, refuses control characters and unbounded numbers.

And for what no form reads: NUL in a path, query string or JSON body answers 400 with a
message; ids beyond the database's integer range answer 404.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, NumberRange

import portal
from portal.enums import Role
from portal.web.forms import (
    NUMBER_FIELDS,
    DecimalNumberField,
    PortalForm,
    PortalSubform,
    WholeNumberField,
)
from portal.web.inputs import DB_INT_MAX, BoundedArgs
from tests.helpers import csrf_token, login

CONTROL_MESSAGE = "请删除此栏中的控制字符"


def _portal_form_classes() -> list[type]:
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    found = []
    for name, module in list(__import__("sys").modules.items()):
        if not name.startswith("portal."):
            continue
        for _attr, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Form) and value.__module__ == name:
                found.append(value)
    return found


def test_every_form_of_the_portal_derives_the_normalising_base():
    """No form in portal/ skips the layer: each derives PortalForm or PortalSubform."""
    classes = _portal_form_classes()
    assert len(classes) > 30  # the walk really found the forms
    outside = [
        cls.__qualname__
        for cls in classes
        if cls not in {PortalForm, PortalSubform}
        and not issubclass(cls, PortalForm | PortalSubform)
    ]
    assert outside == []


def test_every_number_field_states_its_bounds():
    """Each integer, decimal or float field of every form carries a NumberRange with both ends."""
    unbounded = []
    numbers = 0
    for cls in _portal_form_classes():
        for name, value in vars(cls).items():
            if not isinstance(value, UnboundField) or not issubclass(
                value.field_class, NUMBER_FIELDS
            ):
                continue
            numbers += 1
            validators = value.kwargs.get("validators") or (value.args[1:2] or [[]])[0]
            ranges = [v for v in validators if isinstance(v, NumberRange)]
            if not any(r.min is not None and r.max is not None for r in ranges):
                unbounded.append(f"{cls.__qualname__}.{name}")
    assert numbers >= 3
    assert unbounded == []


class SampleForm(PortalForm):
    """A form with one field of each kind the layer treats differently."""

    class Meta:
        csrf = False

    name = StringField("name", validators=[InputRequired("name required")])
    story = TextAreaField("story")
    days = DecimalNumberField("days", validators=[NumberRange(0, 365, "days out of range")])
    count = WholeNumberField("count", validators=[NumberRange(1, 10, "count out of range")])


@pytest.mark.parametrize(
    ("posted", "field", "data", "error"),
    [
        ({"name": "  张三 "}, "name", "张三", None),
        ({"name": "   "}, "name", "", "name required"),
        ({"name": "张\x00三"}, "name", None, CONTROL_MESSAGE),
        ({"name": "张\u202e三"}, "name", None, CONTROL_MESSAGE),
        ({"story": "第一行\r\n第二行\t完"}, "story", "第一行\r\n第二行\t完", None),
        ({"story": "第一行\x01"}, "story", None, CONTROL_MESSAGE),
        ({"days": "1e309"}, "days", None, "days out of range"),
        ({"days": "-1e309"}, "days", None, "days out of range"),
        ({"days": "NaN"}, "days", None, "请输入一个普通的数字"),
        ({"days": "2.5"}, "days", None, None),
        ({"count": str(2**63)}, "count", None, "count out of range"),
        ({"count": "1e30"}, "count", None, "不是有效的整数"),
    ],
    ids=lambda v: repr(v)[:20] if isinstance(v, str | dict) else None,
)
def test_form_layer_normalises_and_refuses(app, posted, field, data, error):
    """Text is stripped, control characters and unbounded numbers refused, blanks are no answer."""
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        form = SampleForm(formdata=MultiDict({"name": "名字", **posted}))
        form.validate()
        errors = [str(e) for e in form[field].errors]
        if error is None:
            assert errors == []
        else:
            assert len(errors) == 1
            assert error in errors[0]
        if data is not None:
            assert form[field].data == data


def test_bounded_args_give_the_default_beyond_the_database_range():
    """A query-string id larger than an INTEGER column reads as "not given", like a non-number."""
    args = BoundedArgs([("ok", str(DB_INT_MAX)), ("big", str(2**63)), ("neg", "-5")])
    assert args.get("ok", type=int) == DB_INT_MAX
    assert args.get("big", type=int) is None
    assert args.get("big", 7, type=int) == 7
    assert args.get("neg", type=int) == -5
    assert args.get("big") == str(2**63)


@pytest.mark.parametrize("worker_id", [DB_INT_MAX + 1, 2**63, 2**64])
def test_ids_beyond_the_integer_range_answer_404(client, worker_id):
    """An <int:…> id beyond 2^31-1 matches no page, so it answers 404 instead of failing."""
    assert client.get(f"/street/workers/{worker_id}").status_code == 404
    assert client.get(f"/street/workers/{DB_INT_MAX}").status_code == 302  # to the login


def test_login_with_a_nul_byte_is_refused_with_a_message(client):
    """An anonymous login with NUL in the name is refused on the form, not a server error."""
    response = client.post(
        "/login",
        data={"username": "1380\x000000001", "password": "x", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 422
    assert CONTROL_MESSAGE in response.get_data(as_text=True)


def test_nul_in_the_roster_search_answers_400_with_a_message(client, make_street, make_user):
    """A NUL in ?q= answers 400 and says why, on the error page."""
    street = make_street()
    admin = make_user(Role.STREET_ADMIN, street=street)
    assert login(client, admin.phone).status_code == 302
    response = client.get("/street/workers?q=%E5%BC%A0%00")
    assert response.status_code == 400
    assert "网址或提交的数据中含有控制字符" in response.get_data(as_text=True)
    assert client.get("/street/workers?q=%E5%BC%A0").status_code == 200


def test_nul_in_a_json_body_answers_400_in_json(client):
    """The scanner's JSON with a NUL answers 400 with the message in JSON, before any view."""
    response = client.post("/trainings/1/scan", json={"code": "12\x0034", "client_id": "a"})
    assert response.status_code == 400
    assert "网址或提交的数据中含有控制字符" in response.get_json()["error"]
