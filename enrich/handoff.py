"""Handing a stage's input over to the stage that owns it from then on: :class:`Handoff`, :func:`owned`.

A night's stages pass large values along (tonight's entries, resolved works and through them the
night's record store, the repo and Hugging Face records). A value passed as a plain argument lives
until the call returns: the caller's name, every layer in between (a Prefect task's engine holds the
task's parameters while it runs) and the callee's parameter all keep it. Wrapped in a
:class:`Handoff` and handed over with no other reference kept, the value lives only as long as the
callee keeps it: the callee :meth:`~Handoff.take`s it (the holder is empty from then on) and drops
it once its last reader is done.
"""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["Handoff", "owned"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Handoff(Generic[T_co]):
    """A one-shot holder of one value: made by the caller, emptied by the callee.

    Mutable on purpose (emptying it is its job), so not a frozen dataclass; covariant (a holder of a
    ``tuple[Entry, ...]`` is one of a ``Sequence[EntryLike]``): nothing but ``__init__`` puts a value in. Whoever makes one keeps
    no other reference to the value; the layers in between pass the holder on untouched; the callee
    takes the value once. Taking twice is a bug and raises :class:`RuntimeError`.

    >>> box = Handoff([1, 2])
    >>> box.take()
    [1, 2]
    >>> box.taken
    True
    """

    __slots__ = ("_taken", "_value")

    def __init__(self, value: T_co) -> None:
        self._value = value
        self._taken = False

    @property
    def taken(self) -> bool:
        return self._taken

    def take(self) -> T_co:
        """The value, which the holder no longer references."""
        if self._taken:
            raise RuntimeError("this handoff was already taken: a stage's input is handed over once")
        value = self._value
        del self._value  # the holder's reference: the value is the caller's of take() alone
        self._taken = True
        return value

    def __repr__(self) -> str:
        return f"Handoff({'taken' if self._taken else type(self._value).__name__})"


def owned(value: Handoff[T] | T) -> T:
    """What ``value`` hands over (taken from it), or ``value`` itself when it is a plain value (its
    caller keeps it: dropping it in the callee frees nothing, which is all a plain value asks for)."""
    return value.take() if isinstance(value, Handoff) else value
