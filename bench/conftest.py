"""The benchmarks' own tests use the same tiny photo folders as the test suite."""

from support.photos import seed_layout  # noqa: F401  (a fixture)
