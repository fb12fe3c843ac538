"""API tokens for tests: a client that sends one, as a program would."""

from typing import Any

from django.test import Client

from api.services import create_token


def token_for(user: Any, name: str = "Lagebild-Programm") -> str:
    admin = user  # who created it does not matter to the API
    return create_token(name=name, user=user, by=admin)[1]


def token_client(user: Any | None = None, *, token: str | None = None) -> Client:
    """A client without session that authenticates every request with a Bearer token."""
    text = token if token is not None else token_for(user)
    return Client(headers={"Authorization": f"Bearer {text}"})
