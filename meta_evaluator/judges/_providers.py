"""The provider registry: one decorated factory per ``llm_client`` kind.

A provider is one function. It receives a :class:`ClientRequest` (the judge's ``base_url``,
``api_key_env``, pool size and the key already read from the environment) and returns a
:class:`~meta_evaluator.judges._protocol.JudgeClient`; it imports its SDK inside the function,
so registering a provider costs nothing until a judge uses it::

    @judge_client("my_gateway", key_env="MY_GATEWAY_API_KEY")
    def _my_gateway(request: ClientRequest) -> JudgeClient:
        from my_gateway_sdk import Client  # imported on first use

        return MyGatewayClient(Client(api_key=request.api_key, base_url=request.base_url))

``make_client`` looks the kind up here; kinds without a factory go to litellm as a provider
prefix (see :mod:`meta_evaluator.judges._clients`).

Example:
    >>> "openai" in registered_clients() and "local" in registered_clients()
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from meta_evaluator.errors import JudgeConfigError
from meta_evaluator.judges._protocol import JudgeClient

__all__ = [
    "ClientFactory",
    "ClientRequest",
    "Provider",
    "client_provider",
    "judge_client",
    "registered_clients",
]


@dataclass(frozen=True, kw_only=True)
class ClientRequest:
    """What a provider factory gets to build a client."""

    llm_client: str
    """The judge's ``llm_client`` (lower case)."""
    base_url: str | None = None
    """OpenAI-compatible / proxy server root (``api_base`` for litellm)."""
    api_key_env: str | None = None
    """The variable the key is read from (the provider's default when None)."""
    api_key: str | None = None
    """The key read from the environment (None: the provider needs none or reads its own)."""
    max_connections: int = 64
    """Connection pool size (>= 1)."""
    judge_id: str = ""
    """The judge's id, for error messages."""

    def __repr__(self) -> str:  # never show the key
        return (
            f"ClientRequest(llm_client={self.llm_client!r}, base_url={self.base_url!r}, "
            f"api_key_env={self.api_key_env!r}, max_connections={self.max_connections})"
        )


ClientFactory = Callable[[ClientRequest], JudgeClient]
"""A provider factory: request -> client."""


@dataclass(frozen=True, kw_only=True)
class Provider:
    """A registered provider."""

    name: str
    """The ``llm_client`` value it serves."""
    factory: ClientFactory
    """Builds the client."""
    key_env: str | None = None
    """The variable read for a key when a judge names no ``api_key_env`` (None: no key)."""
    uses_key: bool = True
    """False for providers that never send a key (``api_key_env`` is then not read)."""


_PROVIDERS: dict[str, Provider] = {}
F = TypeVar("F", bound=ClientFactory)


def judge_client(
    name: str, *, key_env: str | None = None, uses_key: bool = True
) -> Callable[[F], F]:
    """Register ``factory`` as the client of ``llm_client=name`` (a decorator).

    Args:
        name: The ``llm_client`` value (case-insensitive).
        key_env: Default environment variable of its API key (None: it needs no key, or
            reads its own variables).
        uses_key: False when the provider never sends a key (no variable is read).

    Returns:
        The decorator; it returns the factory unchanged.

    Raises:
        JudgeConfigError: ``name`` is empty or already registered.
    """
    kind = name.strip().lower() if isinstance(name, str) else ""
    if not kind:
        raise JudgeConfigError(
            f"judge_client: the provider name must be a non-empty string; got {name!r}."
        )

    def register(factory: F) -> F:
        if kind in _PROVIDERS:
            raise JudgeConfigError(
                f"judge_client: a provider {kind!r} is already registered "
                f"({_PROVIDERS[kind].factory.__qualname__}); pick another name."
            )
        _PROVIDERS[kind] = Provider(name=kind, factory=factory, key_env=key_env, uses_key=uses_key)
        return factory

    return register


def client_provider(name: str) -> Provider | None:
    """The provider registered for ``llm_client=name``, or None."""
    return _PROVIDERS.get(name.strip().lower())


def registered_clients() -> list[str]:
    """The registered ``llm_client`` names, sorted."""
    return sorted(_PROVIDERS)
