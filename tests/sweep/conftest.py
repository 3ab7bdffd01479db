"""Sweep fixtures: the short test scenario and one local Ray for the whole session (2 CPUs)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SHORT = HERE / "short.toml"


@pytest.fixture(scope="session")
def short_scenario() -> str:
    return str(SHORT)


@pytest.fixture(scope="session")
def local_ray():
    """A local Ray with 2 CPUs, started once; the runner uses it as it is and leaves it running."""
    import logging

    import ray

    if not ray.is_initialized():
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
            object_store_memory=100 * 1024**2,
        )
    yield ray
    ray.shutdown()
