"""The life of a posting, as a pure table of moves.

A posting is `pending` until the billing system accepts it (`delivered`), and `reflected`
once the billing system's own data shows it (its synchronous answer, or an export's
allocations.csv naming its key). A refusal makes it `rejected`, which releases its money
in allocbot. Reflected is final: the billing system showing an allocation outweighs a late
refusal, which is kept only as a note for a person.
"""
from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    REFLECTED = "reflected"
    REJECTED = "rejected"


class Event(StrEnum):
    ACCEPTED = "accepted"
    REFLECTED = "reflected"
    REJECTED = "rejected"


_MOVES = {
    (State.PENDING, Event.ACCEPTED): State.DELIVERED,
    (State.PENDING, Event.REFLECTED): State.REFLECTED,
    (State.PENDING, Event.REJECTED): State.REJECTED,
    (State.DELIVERED, Event.REFLECTED): State.REFLECTED,
    (State.DELIVERED, Event.REJECTED): State.REJECTED,
}
# Events that leave a state as it is without saying anything new (an ack repeated, an
# acceptance after the export already showed the posting).
_ALREADY = {
    (State.DELIVERED, Event.ACCEPTED), (State.REFLECTED, Event.ACCEPTED), (State.REFLECTED, Event.REFLECTED),
    (State.REJECTED, Event.REJECTED),
}
_ORDER = {State.PENDING: 0, State.DELIVERED: 1, State.REFLECTED: 2}
CONFIRM_WHEN = ("reflected", "delivered")


class Conflict(ValueError):
    """An event that contradicts the state (a refusal of a reflected posting, an acceptance
    of a rejected one): nothing moves, a person is told."""


def next_state(state: str, event: str) -> State:
    """The state after `event`; the same state for a repeat; Conflict for a contradiction."""
    state, event = State(state), Event(event)
    if (state, event) in _MOVES:
        return _MOVES[state, event]
    if (state, event) in _ALREADY:
        return state
    raise Conflict(f"a posting already {state.value} cannot be {event.value}")


def reached(state: str, confirm_when: str) -> bool:
    """Whether a posting in `state` allows the confirmation (`confirm_when` is delivered or
    reflected); a rejected posting never does."""
    state = State(state)
    return state is not State.REJECTED and _ORDER[state] >= _ORDER[State(confirm_when)]


def open_states() -> tuple[str, ...]:
    """States whose money the billing system has not shown yet: what counts as overdue."""
    return (State.PENDING.value, State.DELIVERED.value)
