"""The posting's life: which answers move it where, and when a confirmation may go out."""
import pytest

from bot.posting.states import Conflict, next_state, reached


@pytest.mark.parametrize(("state", "event", "after"), [
    ("pending", "accepted", "delivered"),
    ("pending", "reflected", "reflected"),  # a billing system that applied it at once
    ("pending", "rejected", "rejected"),
    ("delivered", "reflected", "reflected"),
    ("delivered", "rejected", "rejected"),  # refused later, after an acceptance
    ("delivered", "accepted", "delivered"),  # an ack repeated
    ("reflected", "accepted", "reflected"),  # the ack came after the export showed it
    ("rejected", "rejected", "rejected"),
])
def test_events_move_a_posting_forward_only(state, event, after):
    assert next_state(state, event) == after


@pytest.mark.parametrize(("state", "event"), [("reflected", "rejected"), ("rejected", "accepted"),
                                              ("rejected", "reflected")])
def test_an_answer_that_contradicts_the_state_moves_nothing(state, event):
    with pytest.raises(Conflict):
        next_state(state, event)


@pytest.mark.parametrize(("state", "confirm_when", "ok"), [
    ("pending", "delivered", False), ("delivered", "delivered", True), ("reflected", "delivered", True),
    ("pending", "reflected", False), ("delivered", "reflected", False), ("reflected", "reflected", True),
    ("rejected", "delivered", False), ("rejected", "reflected", False),
])
def test_a_confirmation_waits_until_every_posting_reached_confirm_when(state, confirm_when, ok):
    assert reached(state, confirm_when) is ok
