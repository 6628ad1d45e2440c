"""Shared fixtures: the package under test and the oracle, side by side."""

import mlx.core
import pytest

import rmlx.core


@pytest.fixture
def mx():
    return rmlx.core


@pytest.fixture
def ref():
    return mlx.core
