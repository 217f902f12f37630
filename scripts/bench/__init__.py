"""The benchmark: every figure the project promises, measured here, with its ideal or limit beside it."""
