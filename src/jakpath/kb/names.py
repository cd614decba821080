"""Name resolution: ids, names, brand names, codes and synonyms to knowledge-base ids.

Matching ignores case, spaces, hyphens, underscores, apostrophes and commas, so
``ABT-494``, ``abt494`` and ``Rinvoq`` all find upadacitinib. Abbreviations shorter than
``MIN_SYNONYM_LENGTH`` are not matched (``DM`` is ambiguous; ``dermatomyositis`` is not).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

MIN_SYNONYM_LENGTH = 3
"""Shortest synonym (after normalisation) accepted as a name; shorter ones are ambiguous."""

_STRIP = re.compile(r"[\s\-_'’,./()]+")


def normalise(name: str) -> str:
    """Fold a name to the key used for matching."""
    return _STRIP.sub("", name.casefold())


class UnknownNameError(LookupError):
    """A name that matches nothing; carries the closest known names."""

    def __init__(self, kind: str, query: str, suggestions: list[str]):
        self.kind = kind
        self.query = query
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown {kind} {query!r}.{hint}")


class NameIndex:
    """Case- and punctuation-insensitive lookup of one kind of entity."""

    def __init__(self, kind: str, entries: Iterable[tuple[str, str, Iterable[str]]]):
        """Build from ``(id, display name, synonyms)`` triples."""
        self.kind = kind
        self._keys: dict[str, str] = {}
        self._display: dict[str, str] = {}
        for entity_id, display, synonyms in entries:
            self._display[entity_id] = display or entity_id
            for i, name in enumerate([entity_id, display, *synonyms]):
                key = normalise(name or "")
                # ids and display names always count; short synonyms are ambiguous
                if not key or (i >= 2 and len(key) < MIN_SYNONYM_LENGTH):
                    continue
                self._keys.setdefault(key, entity_id)

    def __contains__(self, name: str) -> bool:
        return normalise(name) in self._keys

    @property
    def ids(self) -> list[str]:
        """All ids in this index."""
        return list(self._display)

    def resolve(self, name: str) -> str:
        """Return the id for ``name`` or raise :class:`UnknownNameError` with suggestions."""
        key = normalise(name)
        if key in self._keys:
            return self._keys[key]
        raise UnknownNameError(self.kind, name, self.suggest(name))

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """The closest known names to ``name`` (display names, best first)."""
        key = normalise(name)
        close = difflib.get_close_matches(key, list(self._keys), n=n * 3, cutoff=0.5)
        partial = [k for k in self._keys if key and len(key) >= 2 and (key in k or k in key)]
        out: list[str] = []
        for k in [*close, *partial]:
            display = self._display[self._keys[k]]
            if display not in out:
                out.append(display)
        return out[:n]
