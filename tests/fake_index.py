"""Fixtures that put a test folder on the fake-embeddings index: a conftest imports them to
override `retriever` and `make_service` for tests of logic that need no real model."""

from __future__ import annotations

import pytest

__all__ = ["make_service", "retriever"]


@pytest.fixture(scope="session")
def retriever(fake_retriever):
    return fake_retriever


@pytest.fixture(scope="session")
def make_service(make_fake_service):
    return make_fake_service
