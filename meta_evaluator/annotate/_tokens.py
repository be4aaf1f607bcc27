"""Access tokens of an annotation round: random per person, kept on disk only as SHA-256 hashes.

Tokens are 32 random bytes (``secrets.token_urlsafe``), so an unsalted hash is as strong as the
token itself. The file ``annotations/annotate/access.json`` holds ``{"owner": hash,
"annotators": {id: hash}}``; it never holds a token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from pathlib import Path

from meta_evaluator._io import atomic_write_text
from meta_evaluator.errors import ProjectError

__all__ = ["OWNER", "TokenRegistry", "hash_token"]

OWNER = "__owner__"
"""Key of the project owner's token (the status view)."""


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 hex digest."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenRegistry:
    """Token hashes of the owner and every annotator, persisted in ``path``.

    Args:
        path: The JSON file holding the hashes (created on the first :meth:`issue`).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._hashes: dict[str, str] = {}
        if self.path.is_file():
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                self._hashes = {str(k): str(v) for k, v in dict(raw["hashes"]).items()}
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ProjectError(
                    f"Cannot read the annotation access file {str(self.path)!r}: {exc}. Delete "
                    "it and start the annotate command again with --new-tokens (every person "
                    "gets a new link)."
                ) from exc

    @property
    def holders(self) -> list[str]:
        """Everyone holding a token (annotator ids and :data:`OWNER`), sorted."""
        return sorted(self._hashes)

    def has(self, holder: str) -> bool:
        """Whether ``holder`` has been issued a token."""
        return holder in self._hashes

    def issue(self, holders: list[str], *, renew: bool = False) -> dict[str, str]:
        """Issue tokens to the holders that have none (all of them when ``renew``), and save.

        Returns:
            holder -> the new token (only for holders that got one now; print it, it is not kept).
        """
        new: dict[str, str] = {}
        for holder in holders:
            if renew or holder not in self._hashes:
                token = secrets.token_urlsafe(32)
                self._hashes[holder] = hash_token(token)
                new[holder] = token
        if new:
            atomic_write_text(
                self.path, json.dumps({"version": 1, "hashes": self._hashes}, indent=2)
            )
        return new

    def holder_of(self, token: str | None) -> str | None:
        """The holder whose token this is, or None (compared in constant time)."""
        if not token:
            return None
        digest = hash_token(token)
        found = None
        for holder, stored in self._hashes.items():
            if hmac.compare_digest(stored, digest):
                found = holder
        return found
