"""Console session cookies and CSRF tokens: signed, expiring, bound to one session."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from warroom.config import Settings
from warroom.errors import ConfigError
from warroom.web.session import Signer, load_secret, new_session

SECRET = b"k" * 40


def test_round_trip_and_expiry() -> None:
    signer = Signer(SECRET, max_age=3600)
    data = new_session(7, now=1_000)
    cookie = signer.dump(data)
    assert signer.load(cookie, now=1_000 + 3600) == data
    assert signer.load(cookie, now=1_000 + 3601) is None
    assert signer.load(cookie, now=999) is None  # issued in the future: refused


@pytest.mark.parametrize(
    "mangle", [lambda c: c[:-2] + "AA", lambda c: "x" + c, lambda c: c.split(".")[0], lambda c: ""]
)
def test_tampered_cookies_are_refused(mangle: object) -> None:
    signer = Signer(SECRET, max_age=3600)
    cookie = signer.dump(new_session(7, now=1_000))
    assert signer.load(mangle(cookie), now=1_000) is None  # type: ignore[operator]


def test_another_key_does_not_verify() -> None:
    cookie = Signer(SECRET, max_age=60).dump(new_session(1, now=0))
    assert Signer(b"z" * 40, max_age=60).load(cookie, now=0) is None


def test_csrf_is_bound_to_the_session() -> None:
    signer = Signer(SECRET, max_age=60)
    one, two = new_session(1, now=0), new_session(1, now=0)
    token = signer.csrf(one.sid)
    assert signer.csrf_ok(one.sid, token)
    assert not signer.csrf_ok(two.sid, token)
    assert not signer.csrf_ok(one.sid, None)
    assert not signer.csrf_ok(one.sid, "")


def test_secret_from_settings_wins(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, secret_key="s" * 32)
    assert load_secret(settings) == b"s" * 32
    assert not (tmp_path / "secret_key").exists()


def test_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    first = load_secret(settings)
    path = tmp_path / "home" / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= 32
    assert load_secret(settings) == first


def test_short_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("short\n")
    with pytest.raises(ConfigError, match="shorter than 32"):
        load_secret(Settings(home=tmp_path))


def test_unwritable_home_says_what_to_do(tmp_path: Path) -> None:
    home = tmp_path / "ro"
    home.mkdir()
    (home / "secret_key").mkdir()  # unreadable as a file, whoever runs the test (even root)
    with pytest.raises(ConfigError, match="set WARROOM_SECRET_KEY"):
        load_secret(Settings(home=home))
