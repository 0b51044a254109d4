"""A registry of adapters to outside systems (payment gateways, postal operators …): each
adapter class registers under a key; the settings enable some keys with their options.

    registry = Registry("payment gateway", "PAYMENTS", "GATEWAYS")

    @registry.register("dev")
    class DevGateway(PaymentGateway): ...

    registry.get("dev")  # an instance with settings.PAYMENTS["GATEWAYS"]["dev"] as options
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar
from urllib.parse import urljoin

from django.conf import settings

A = TypeVar("A")


class Adapter:
    """An adapter to an outside system, made with the options its settings give it."""

    key: str = ""
    name: str = ""

    def __init__(self, options: Mapping):
        self.options = dict(options)


class SharedSecret:
    """For an adapter whose messages are signed with a secret shared with its merchant id
    (HMAC, payments/signing.py)."""

    options: dict

    @property
    def secret(self) -> str:
        return self.options["SECRET"]

    @property
    def merchant(self) -> str:
        return self.options.get("MERCHANT", "MOTCUA")


class InvalidMessage(Exception):
    """A message that is not the outside system's: bad signature, or missing/unreadable
    fields; `outcome` is the answer code the adapter gives back."""

    def __init__(self, outcome, detail: str = ""):
        super().__init__(detail or outcome.name)
        self.outcome = outcome
        self.detail = detail


def dev_base_url(options: Mapping, path: str) -> str:
    """A development server's address: its option URL, or `path` on our own site."""
    url = options.get("URL") or urljoin(settings.MOTCUA["PUBLIC_URL"].rstrip("/") + "/", path)
    return url.rstrip("/") + "/"


class Registry(Generic[A]):
    def __init__(self, what: str, setting: str, key: str):
        self.what, self.setting, self.key = what, setting, key
        self._classes: dict[str, type[A]] = {}

    def register(self, key: str):
        def decorator(cls: type[A]) -> type[A]:
            if key in self._classes and self._classes[key] is not cls:
                raise ValueError(f"{self.what} {key!r} is registered twice")
            cls.key = key
            self._classes[key] = cls
            return cls

        return decorator

    def keys(self) -> list[str]:
        return list(self._classes)

    def configured(self) -> dict:
        return getattr(settings, self.setting, {}).get(self.key, {})

    def enabled_keys(self) -> list[str]:
        return [key for key in self.configured() if key in self._classes]

    def get(self, key: str) -> A:
        """The enabled adapter `key`, with its options; KeyError if it is not enabled."""
        if key not in self.enabled_keys():
            raise KeyError(key)
        return self._classes[key](self.configured()[key])

    def enabled(self) -> list[A]:
        return [self.get(key) for key in self.enabled_keys()]
