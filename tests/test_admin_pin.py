import pytest

from kiosk.admin_pin import PinError, PinLock, check_new_pin, hash_pin, verify_pin


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_pin("2468")


def test_the_hash_never_contains_the_pin_and_is_salted(stored: str) -> None:
    assert "2468" not in stored
    assert stored != hash_pin("2468")
    assert verify_pin("2468", stored)
    assert not verify_pin("2469", stored)


@pytest.mark.parametrize("bad", ["", "123", "12a4", "1234567890123", "１２３４"])
def test_unusable_pins_are_refused_with_a_plain_reason(bad: str) -> None:
    with pytest.raises(PinError) as caught:
        check_new_pin(bad)
    assert "digits" in caught.value.reason.en
    assert "chữ số" in caught.value.reason.vi


@pytest.mark.parametrize("garbage", ["", "plain-text-pin", "scrypt$x$8$1$AA==$AA==", "md5$1$2$3$4$5"])
def test_an_unreadable_stored_hash_rejects_every_pin(garbage: str) -> None:
    assert not verify_pin("2468", garbage)


def test_five_wrong_tries_lock_for_a_minute_even_against_the_right_pin(stored: str) -> None:
    clock = FakeClock()
    lock = PinLock(stored, clock=clock)
    answers = [lock.attempt("0000") for _ in range(5)]
    assert [a.tries_left for a in answers] == [4, 3, 2, 1, 0]
    assert answers[-1].locked

    clock.now += 59
    blocked = lock.attempt("2468")
    assert not blocked.accepted and blocked.locked
    assert blocked.locked_for == pytest.approx(1.0)

    clock.now += 1.5
    assert lock.attempt("2468").accepted


def test_a_right_pin_resets_the_count_of_wrong_tries(stored: str) -> None:
    lock = PinLock(stored, clock=FakeClock())
    for _ in range(4):
        lock.attempt("0000")
    assert lock.attempt("2468").accepted
    assert lock.attempt("0000").tries_left == 4


def test_a_new_pin_clears_the_lock(stored: str) -> None:
    clock = FakeClock()
    lock = PinLock(stored, clock=clock)
    for _ in range(5):
        lock.attempt("0000")
    lock.set_hash(hash_pin("1357"))
    assert lock.attempt("1357").accepted


def test_a_new_pin_typed_twice_is_hashed_and_empty_fields_keep_the_old_one():
    from kiosk.admin_pin import PINS_DIFFER, new_pin_hash

    assert new_pin_hash("", "", required=False) is None
    assert verify_pin("2468", new_pin_hash("2468", "2468", required=False))
    with pytest.raises(PinError) as differ:
        new_pin_hash("2468", "2469", required=False)
    assert differ.value.reason == PINS_DIFFER
    with pytest.raises(PinError):
        new_pin_hash("", "", required=True)


def test_first_start_needs_a_name_and_a_pin_and_an_empty_camera_means_the_first_camera():
    from kiosk.first_start import SetupError, first_start_settings
    from kiosk.settings import Settings

    chosen = first_start_settings(Settings(camera="camera:2"), "  Cổng A ", "2468", "2468", "  ")
    assert (chosen.station_name, chosen.camera) == ("Cổng A", "camera:0") and verify_pin("2468", chosen.admin_pin_hash)
    assert not chosen.demo_mode
    with pytest.raises(SetupError, match="Name this station"):
        first_start_settings(Settings(), " ", "12", "12", "demo")
