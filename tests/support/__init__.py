"""What the tests build on but do not test: fake platforms, harnesses, a worker script, sample protocols."""
