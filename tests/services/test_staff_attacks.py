"""The attacks list of issue 14 against the staff services: brute force, timing, tokens, two-factor, networks,
the password policy. Each refusal says what to do, changes nothing it should not, and is in the audit log.

The accounts are made once per module (argon2 costs ~20 ms a hash); each test works on a copy.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from shoptui import clock, db
from shoptui.config import Actor
from shoptui.errors import InvalidInput, NotAllowed
from shoptui.services import shop, staff
from tests.store_files import copy_store, drop_store, rows, seal_template, store_copy

OWNER = Actor("owner", "test")
CLERK_PASSWORD = "clerk-first-passphrase"
START = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def attack_template(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = copy_store(template_store, tmp_path_factory.mktemp("attacks"), "attacks-template.db")
    with clock.frozen(START), db.transaction(url) as session:
        staff.add_staff(session=session, actor=OWNER, name="carl", role="clerk", password=CLERK_PASSWORD)
        session.flush()
        first = staff.login(session=session, name="carl", password=CLERK_PASSWORD, source="test",
                            new_password=CLERK_PASSWORD + "-mine")
        assert first.ok, first.message
    seal_template(url)
    yield url
    drop_store(url)


@pytest.fixture
def url(attack_template: str, tmp_path: Path) -> Iterator[str]:
    with clock.frozen(START):
        yield from store_copy(attack_template, tmp_path, "attacks.db")


PASSWORD = CLERK_PASSWORD + "-mine"


def _login(url: str, name: str, password: str, **kwargs) -> staff.LoginResult:  # type: ignore[no-untyped-def]
    with db.transaction(url) as session:
        return staff.login(session=session, name=name, password=password, source="test", **kwargs)


def _audit(url: str, since: int = 0) -> list[str]:
    return [str(a) for (a,) in rows(url, f"SELECT action FROM audit_entry WHERE id > {since} ORDER BY id")]


def _last_id(url: str) -> int:
    return int(rows(url, "SELECT coalesce(max(id), 0) FROM audit_entry")[0][0])


def _sessions(url: str) -> int:
    return int(rows(url, "SELECT count(*) FROM staff_token WHERE kind = 'session'")[0][0])


def _set(url: str, key: str, value: str) -> None:
    with db.transaction(url) as session:
        shop.set_value(session=session, actor=OWNER, key=key, raw=value)


def _lock_seconds(url: str, key: str) -> float:
    until = rows(url, "SELECT locked_until FROM auth_failure WHERE key = :k", {"k": key})[0][0]
    if isinstance(until, str):
        until = datetime.fromisoformat(until)
    return (clock.ensure_utc(until) - clock.now()).total_seconds()


# ---------------------------------------------------------------- brute force and timing


@pytest.mark.parametrize("name", ["carl", "ghost"])
def test_brute_force_locks_with_a_growing_delay_real_and_unknown_names_alike(url: str, name: str) -> None:
    mark, sessions = _last_id(url), _sessions(url)
    messages = [_login(url, name, f"guess-{i}").message for i in range(4)]
    assert len(set(messages)) == 1  # the same sentence for a wrong password and an unknown name
    locked = _login(url, name, "guess-5")
    assert not locked.ok and "locked" in locked.message and "try again" in locked.message
    assert _lock_seconds(url, f"login:{name}") == 30
    right = _login(url, name, PASSWORD)  # the right password does not open a locked account
    assert not right.ok and right.token is None and "Too many failed logins" in right.message
    with clock.frozen(START + timedelta(seconds=31)):
        again = _login(url, name, "guess-6")  # one more failure after the lock: twice as long
        assert not again.ok and _lock_seconds(url, f"login:{name}") == 60
    actions = _audit(url, mark)
    assert actions.count("security.login_failed") == 6 and actions.count("security.lockout") == 2
    assert "security.login_locked" in actions
    assert _sessions(url) == sessions  # no session was opened


def test_a_success_clears_the_count(url: str) -> None:
    for i in range(4):
        _login(url, "carl", f"guess-{i}")
    assert _login(url, "carl", PASSWORD).ok
    assert rows(url, "SELECT count(*) FROM auth_failure WHERE key = 'login:carl'")[0][0] == 0


def test_no_timing_difference_between_an_unknown_name_and_a_wrong_password(url: str) -> None:
    _set(url, "lockout_after", "100")
    times: dict[str, list[float]] = {"nobody-here": [], "carl": []}
    _login(url, "warm-up", "x")  # the stand-in hash an unknown name is checked against is made once
    for i in range(7):  # interleaved, so a busy machine slows both alike
        for name, taken in times.items():
            started = time.perf_counter()
            assert not _login(url, name, f"wrong-{i}").ok
            taken.append(time.perf_counter() - started)
    unknown, wrong = statistics.median(times["nobody-here"]), statistics.median(times["carl"])
    assert 0.5 < unknown / wrong < 2.0, (unknown, wrong)


# ---------------------------------------------------------------- tokens


def _authenticate(url: str, token: str) -> staff.Authenticated:
    with db.transaction(url) as session:
        return staff.authenticate(session=session, token=token, source="cli")


def _token(url: str) -> str:
    with db.transaction(url) as session:
        return staff.create_api_token(session=session, actor=OWNER, name="carl", label="cron")


def test_a_token_of_another_store_tampered_revoked_or_expired_is_refused_and_audited(url: str) -> None:
    token = _token(url)
    assert _authenticate(url, token).actor is not None
    prefix, store, secret = token.split("_", 2)
    cases = {
        f"{prefix}_{'0' * len(store)}_{secret}": "belongs to another store",
        token[:-1] + ("A" if token[-1] != "A" else "B"): "not known to this store",
        "'; DROP TABLE staff; --": "not a shoptui token",
        token + "x" * 300: "not a shoptui token",
    }
    for bad, sentence in cases.items():
        mark = _last_id(url)
        found = _authenticate(url, bad)
        assert found.actor is None and sentence in found.message, found.message
        assert _audit(url, mark) == ["security.token_refused"]
    with db.transaction(url) as session:
        ident = [t for t in staff.list_tokens(session=session, actor=OWNER, name="carl") if t.kind == "api"][0].id
        staff.revoke_token(session=session, actor=OWNER, token_id=ident)
    revoked = _authenticate(url, token)
    assert revoked.actor is None and "revoked" in revoked.message
    login = _login(url, "carl", PASSWORD)
    with clock.frozen(START + timedelta(hours=12, seconds=1)):
        mark = _last_id(url)
        expired = _authenticate(url, login.token or "")
        assert expired.actor is None and "expired" in expired.message and "log in again" in expired.message
        assert _audit(url, mark) == ["security.token_refused"]


def test_guessing_tokens_locks_the_address(url: str) -> None:
    for _ in range(5):
        _authenticate(url, "shoptui_nothing_here")
    token = _token(url)
    locked = _authenticate(url, token)
    assert locked.actor is None and "Too many bad tokens" in locked.message


def test_a_disabled_account_is_refused_on_its_next_action(url: str) -> None:
    login = _login(url, "carl", PASSWORD)
    actor = _authenticate(url, login.token or "").actor
    assert actor is not None
    with db.transaction(url) as session:
        staff.set_active(session=session, actor=OWNER, name="carl", active=False)
    with pytest.raises(NotAllowed, match="disabled"), db.transaction(url) as session:
        shop.require(session=session, actor=actor, permission="sell")  # an actor already held (the TUI)
    found = _authenticate(url, login.token or "")  # disabling ends its sessions too
    assert found.actor is None and ("disabled" in found.message or "revoked" in found.message)
    refused = _login(url, "carl", PASSWORD)
    assert not refused.ok and "disabled" in refused.message


# ---------------------------------------------------------------- two-factor


def test_two_factor_codes_and_each_recovery_code_once(url: str) -> None:
    carl = _authenticate(url, _login(url, "carl", PASSWORD).token or "").actor
    assert carl is not None
    with db.transaction(url) as session:
        enrolment = staff.start_enrolment(session=session, actor=carl)
    with pytest.raises(InvalidInput, match="does not match"), db.transaction(url) as session:
        staff.confirm_enrolment(session=session, actor=carl, code="000000")
    totp = pyotp.TOTP(enrolment.secret)
    with db.transaction(url) as session:
        codes = staff.confirm_enrolment(session=session, actor=carl, code=totp.at(clock.now()))
    assert len(codes) == 10 and len(set(codes)) == 10
    asked = _login(url, "carl", PASSWORD)
    assert not asked.ok and asked.needs_code and asked.token is None
    wrong = _login(url, "carl", PASSWORD, code="123456" if totp.at(clock.now()) != "123456" else "654321")
    assert not wrong.ok and wrong.needs_code and "wrong" in wrong.message
    assert _login(url, "carl", PASSWORD, code=totp.at(clock.now())).ok
    replayed = _login(url, "carl", PASSWORD, code=totp.at(clock.now()))  # the same code again: seen, refused
    assert not replayed.ok and replayed.needs_code and replayed.token is None
    mark = _last_id(url)
    assert _login(url, "carl", PASSWORD, code=codes[0]).ok
    assert "security.recovery_code_used" in _audit(url, mark)
    again = _login(url, "carl", PASSWORD, code=codes[0])
    assert not again.ok and again.token is None
    assert _login(url, "carl", PASSWORD, code=codes[1]).ok


# ---------------------------------------------------------------- allowed networks


def test_allowed_networks_for_the_store_and_for_one_account(url: str) -> None:
    _set(url, "allowed_networks", "10.0.0.0/8")
    mark = _last_id(url)
    outside = _login(url, "carl", PASSWORD, address="192.168.1.5")
    assert not outside.ok and "192.168.1.5" in outside.message
    assert _audit(url, mark) == ["security.network_refused"]
    assert _login(url, "carl", PASSWORD, address="10.1.2.3").ok
    assert _login(url, "carl", PASSWORD).ok  # the local console
    with db.transaction(url) as session:
        staff.edit_staff(session=session, actor=OWNER, name="carl", allowed_networks="10.9.0.0/16")
    assert not _login(url, "carl", PASSWORD, address="10.1.2.3").ok
    assert _login(url, "carl", PASSWORD, address="10.9.8.7").ok


# ---------------------------------------------------------------- the password policy


@pytest.mark.parametrize(("password", "sentence"), [
    ("short-one", "at least"),
    ("password123", "most used"),
    ("my-name-is-carl-ok", "account name"),
])
def test_the_password_policy(url: str, password: str, sentence: str) -> None:
    with pytest.raises(InvalidInput, match=sentence), db.transaction(url) as session:
        staff.add_staff(session=session, actor=OWNER, name="carl2" if "carl" not in password else "carl",
                        role="clerk", password=password)


def test_rotation_reminds_then_asks_for_a_new_password(url: str) -> None:
    _set(url, "password_max_age_days", "30")
    _set(url, "password_reminder_days", "7")
    with clock.frozen(START + timedelta(days=25)):
        soon = _login(url, "carl", PASSWORD)
        assert soon.ok and any("expires in 5 days" in n for n in soon.notices)
    with clock.frozen(START + timedelta(days=31)):
        expired = _login(url, "carl", PASSWORD)
        assert not expired.ok and expired.must_change_password and expired.token is None
        with pytest.raises(InvalidInput):
            _login(url, "carl", PASSWORD, new_password=PASSWORD)  # not the old one again
        changed = _login(url, "carl", PASSWORD, new_password="a-fresh-counter-passphrase")
        assert changed.ok and changed.token
        assert _login(url, "carl", "a-fresh-counter-passphrase").ok


def test_hostile_text_in_staff_fields_is_refused_or_kept_verbatim(url: str) -> None:
    with db.transaction(url) as session:
        before = [s.model_dump() for s in staff.list_staff(session=session, actor=OWNER)]
    bad = {
        "name": ["x'; DROP TABLE staff;--", "[bold]boss[/bold]", "a\x1b[31mb", "a" * 41, "", "名字 有空格"],
        "full_name": ["a\x1b[2Jb", "x" * 101, "a\nb"],
        "email": ["not-an-email", "a@b.c'; --", "x" * 300 + "@shop.test"],
        "allowed_networks": ["10.0.0.0/33", "'; DROP TABLE staff;--", "999.1.1.1", "10.0.0.0/8," * 200],
    }
    for field, values in bad.items():
        for value in values:
            with pytest.raises(InvalidInput) as refused, db.transaction(url) as session:
                if field == "name":
                    staff.add_staff(session=session, actor=OWNER, name=value, role="clerk", password=PASSWORD)
                else:
                    staff.edit_staff(session=session, actor=OWNER, name="carl", **{field: value})
            assert "\n" not in str(refused.value) and str(refused.value).endswith((".", ")")), str(refused.value)
    for label in ("a\x1b[31mb", "x" * 61):
        with pytest.raises(InvalidInput), db.transaction(url) as session:
            staff.create_api_token(session=session, actor=OWNER, name="carl", label=label)
    with db.transaction(url) as session:
        assert [s.model_dump() for s in staff.list_staff(session=session, actor=OWNER)] == before
        kept = staff.edit_staff(session=session, actor=OWNER, name="carl",
                                full_name="[bold]Carl[/bold] '); DROP TABLE staff;-- 卡尔")
    assert kept.full_name == "[bold]Carl[/bold] '); DROP TABLE staff;-- 卡尔"


def test_a_clerk_manages_no_account_but_their_own(url: str) -> None:
    carl = _authenticate(url, _login(url, "carl", PASSWORD).token or "").actor
    assert carl is not None
    for work in (lambda s: staff.add_staff(session=s, actor=carl, name="eve", role="owner", password=PASSWORD),
                 lambda s: staff.edit_staff(session=s, actor=carl, name="carl", role="manager"),
                 lambda s: staff.reset_password(session=s, actor=carl, name="owner", password=PASSWORD),
                 lambda s: staff.create_api_token(session=s, actor=carl, name="owner"),
                 lambda s: staff.set_grant(session=s, actor=carl, role="clerk", permission="refund", granted=True,
                                           limit_minor=10**9)):
        with pytest.raises(NotAllowed, match="staff.manage|owner"), db.transaction(url) as session:
            work(session)
    assert rows(url, "SELECT role FROM staff WHERE name = 'carl'")[0][0] == "clerk"


def test_no_one_grants_themselves_what_they_lack(url: str) -> None:
    with db.transaction(url) as session:
        staff.set_grant(session=session, actor=OWNER, role="manager", permission="staff.manage", granted=True)
    carl = _authenticate(url, _login(url, "carl", PASSWORD).token or "").actor
    assert carl is not None
    for work in (lambda s: staff.set_grant(session=s, actor=carl, role="clerk", permission="staff.manage", granted=True),
                 lambda s: staff.edit_staff(session=s, actor=carl, name="carl", role="manager")):
        with pytest.raises(NotAllowed, match="staff.manage"), db.transaction(url) as session:
            work(session)
    assert rows(url, "SELECT role FROM staff WHERE name = 'carl'")[0][0] == "clerk"
    assert rows(url, "SELECT count(*) FROM role_grant WHERE role = 'clerk'")[0][0] == 0
