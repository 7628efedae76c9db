"""Password strength: common, guessable and personal passwords are refused, with the reason."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from portal.auth import passwords
from portal.auth.passwords import password_problem
from portal.extensions import db
from tests.helpers import PASSWORD, csrf_token, login

ROOT = Path(__file__).resolve().parents[2]
ME = {"phone": "13957206183", "staff_no": "GL2020-0417", "name": "Lina"}


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        # Chinese favourites (the shipped list)
        ("123456a", passwords.TOO_COMMON),
        ("woaini1314", passwords.TOO_COMMON),
        ("qq123456", passwords.TOO_COMMON),
        ("a123456", passwords.TOO_COMMON),
        ("5201314a", passwords.TOO_COMMON),
        ("woaiwojia", passwords.TOO_COMMON),
        ("zhangwei1990", passwords.TOO_COMMON),
        # English ones (zxcvbn's list), whatever the case
        ("password", passwords.TOO_COMMON),
        ("Password1", passwords.TOO_COMMON),
        ("PASSWORD", passwords.TOO_COMMON),
        ("12345678a", passwords.TOO_COMMON),
        ("P@ssw0rd2024", passwords.TOO_COMMON),
        # keyboard rows
        ("qwertyui", passwords.TOO_COMMON),
        ("1qaz2wsx", passwords.TOO_COMMON),
        ("asdfghjk", passwords.TOO_COMMON),
        ("zxcvbnm,./", passwords.TOO_COMMON),
        ("lkjhgfdsa;", passwords.TOO_COMMON),  # a common one backwards
        ("mju7nhy6", passwords.KEYBOARD),
        ("1qaz@WSX3edc", passwords.KEYBOARD),
        ("3edc4rfv5tgb", passwords.KEYBOARD),
        ("wsxedcrfv", passwords.KEYBOARD),
        # dates
        ("19900101", passwords.DIGITS_ONLY),
        ("1990-01-01", passwords.DATE),
        ("1987.12.25", passwords.DATE),
        # repeats and sequences
        ("aaaaaaaa1", passwords.PATTERN),
        ("abcdefgh1", passwords.PATTERN),
        # built from who the user is
        ("13957206183", passwords.PERSONAL),
        ("x13957206183", passwords.PERSONAL),
        ("abc206183", passwords.PERSONAL),  # the phone's last six digits
        ("gl2020-0417!", passwords.PERSONAL),
        ("Lina-2024!x", passwords.PERSONAL),
        ("LINAlina99", passwords.PERSONAL),
        # digits only
        ("58203947", passwords.DIGITS_ONLY),
        # fine
        (PASSWORD, None),
        ("Better-pass-2", None),
        ("Zhangwei@1990", None),
        ("K7#mqP2x", None),
        ("jiangsu-street-42", None),
        ("x" * 60 + "Q7!" + "y" * 60, None),  # longer than zxcvbn reads: not analysed
    ],
)
def test_password_rules(password, problem):
    """Each password gets the reason a user would be told, or none when it is strong enough."""
    assert password_problem(password, **ME) == problem


def test_the_shipped_list_has_the_chinese_favourites():
    """At least 10,000 common Chinese passwords ship with the portal, the favourites among them."""
    shipped = passwords.chinese_common_passwords()
    assert len(shipped) >= 10_000
    for favourite in ("123456a", "woaini1314", "qq123456", "5201314", "a123456", "1qaz2wsx"):
        assert favourite in shipped


def test_no_personal_rule_without_the_user():
    """With nothing known about the user (the CLI), only the general rules apply."""
    assert password_problem("13812345678ab", phone=None, staff_no=None, name=None) is None


def test_demo_password_generator_passes_the_rules(tmp_path):
    """The password scripts/demo-password generates is accepted by the rules."""
    for n in range(20):
        target = tmp_path / f"demo_password_{n}"
        subprocess.run([ROOT / "scripts" / "demo-password", target], check=True)  # noqa: S603
        generated = target.read_text().strip()
        assert password_problem(generated, phone=None, staff_no=None, name=None) is None


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("woaini1314", "这个密码太常见，很容易被猜到"),
        ("Password1", "这个密码太常见，很容易被猜到"),
        ("1990-01-01", "生日之类的日期很容易被猜到"),
        ("mju7nhy6", "键盘上连在一起的键很容易被猜到"),
        ("li13800000001", "密码里不要用手机号、工号或姓名"),
    ],
)
def test_change_password_form_says_why_in_chinese(client, make_worker, new, message):
    """A weak new password is refused with 422 and the reason in Chinese; nothing changes."""
    worker = make_worker(phone="13800000001")
    login(client, worker.user.phone)
    response = client.post(
        "/password",
        data={
            "csrf_token": csrf_token(client, "/password"),
            "current_password": PASSWORD,
            "new_password": new,
            "confirm": new,
        },
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(worker.user)
    assert worker.user.check_password(PASSWORD)


def test_seed_demo_refuses_a_common_password(runner):
    """`flask seed-demo --password` refuses a common password before touching the database."""
    result = runner.invoke(args=["seed-demo", "--password", "woaini1314"])
    assert result.exit_code != 0
    assert "这个密码太常见" in result.output
